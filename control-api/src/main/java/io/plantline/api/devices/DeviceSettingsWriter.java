package io.plantline.api.devices;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.api.ApiKafka;
import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.Fields;
import io.plantline.api.history.OeeHistory;
import io.plantline.api.http.Json;
import io.plantline.api.profiles.Profile;
import io.plantline.api.profiles.ProfileStore;
import io.plantline.api.shifts.DeviceCalendars;
import io.plantline.model.DeviceRef;
import io.plantline.model.DeviceSettings;
import io.plantline.model.IdealCycleSchedule;
import io.plantline.model.IdealCycleTime;
import io.plantline.model.Sha256;
import io.plantline.model.shifts.CalendarSchedule;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Device settings the jobs apply (ideal cycle time and the shift calendars it follows for OEE, metadata) and the device's config (free-form, or as its
 * profile declares it, defaults filled in). Setting them replaces the metadata and config, and writes the ideal cycle
 * time (none when absent) from {@code effectiveFrom} (default: now) on by the rule of {@link IdealCycleSchedule}, the
 * OEE minutes stored since then rewritten by {@link OeeHistory}: the
 * latest write decides the value from its effective time on, superseding earlier writes for that period. The row is written and the whole schedule published on
 * {@code factory.rules} in one transaction, under the row's lock, so the topic's order is the table's.
 */
public final class DeviceSettingsWriter {

    public static final String CONFIG_COMMAND = "config.update";
    private static final int MAX_METADATA_ENTRIES = 50;
    /** Periods that ended longer ago than this are dropped: no job reprocesses minutes that old. */
    static final Duration SCHEDULE_HISTORY = Duration.ofDays(35);

    public record Settings(Double idealCycleSeconds, Map<String, String> metadata, ObjectNode config, Instant effectiveFrom) {
    }

    private final DeviceStore devices;
    private final ProfileStore profiles;
    private final DeviceCalendars calendars;
    private final OeeHistory history;
    private final ApiKafka kafka;
    private final Clock clock;

    public DeviceSettingsWriter(DeviceStore devices, ProfileStore profiles, DeviceCalendars calendars, OeeHistory history,
                                ApiKafka kafka, Clock clock) {
        this.devices = devices;
        this.profiles = profiles;
        this.calendars = calendars;
        this.history = history;
        this.kafka = kafka;
        this.clock = clock;
    }

    /** The body fields {@link #read} reads. */
    public static final List<String> FIELDS = List.of("idealCycleSeconds", "metadata", "config", "effectiveFrom");

    /** Reads the settings fields; problems go to {@code fields}, whose caller checks them before using the result. */
    public static Settings read(Fields fields, Instant now) {
        Optional<Double> ideal = fields.number("idealCycleSeconds");
        ideal.filter(seconds -> seconds <= 0 || seconds > IdealCycleTime.MAX_SECONDS)
                .ifPresent(seconds -> fields.problem("idealCycleSeconds must be above 0 and at most 86400"));
        Map<String, String> metadata = new LinkedHashMap<>();
        fields.object("metadata", MAX_METADATA_ENTRIES).ifPresent(node -> node.fields().forEachRemaining(entry -> {
            if (!entry.getValue().isTextual() || entry.getKey().length() > 64 || entry.getValue().textValue().length() > 1000) {
                fields.problem("metadata must map names of up to 64 characters to strings of up to 1000");
            } else {
                metadata.put(entry.getKey(), entry.getValue().textValue());
            }
        }));
        ObjectNode config = fields.object("config", 200).orElse(Json.MAPPER.createObjectNode());
        Instant effectiveFrom = fields.instant("effectiveFrom").orElse(now);
        return new Settings(ideal.orElse(null), Map.copyOf(metadata), config, effectiveFrom);
    }

    /** Removes a deleted device's settings from the compacted topic and the running jobs. */
    public void forget(String orgSlug, String deviceId) {
        kafka.tombstone(orgSlug + "/device/" + deviceId);
    }

    /**
     * Writes the settings; a configuration that differs from the stored one becomes the next version and is sent to
     * the device as a {@value #CONFIG_COMMAND} command ({@code {configVersion, config}}).
     *
     * @return false when the device does not exist in the organisation
     */
    public boolean apply(Database.Tx tx, String orgSlug, String deviceId, Settings settings) throws SQLException {
        Optional<DeviceStore.LockedSettings> current = devices.lockSettings(tx, orgSlug, deviceId);
        if (current.isEmpty()) {
            return false;
        }
        Instant now = clock.instant();
        IdealCycleSchedule idealCycle = current.get().idealCycle()
                .written(settings.effectiveFrom(), Optional.ofNullable(settings.idealCycleSeconds()))
                .forgetEndedBefore(now, SCHEDULE_HISTORY);
        Fitted fitted = fitted(tx, orgSlug, current.get().profileId(), settings.config(), settings.metadata());
        ObjectNode completed = fitted.config();
        boolean configChanged = !completed.equals(current.get().config());
        long configVersion = current.get().configVersion() + (configChanged ? 1 : 0);
        String config = Json.write(completed);
        devices.saveSettings(tx, orgSlug, deviceId, idealCycle, Json.write(fitted.metadata()), config, configVersion);
        publish(orgSlug, deviceId, idealCycle, calendars.of(tx, orgSlug, deviceId), fitted.metadata());
        if (!idealCycle.equals(current.get().idealCycle())) {
            history.request(tx, orgSlug, deviceId, settings.effectiveFrom());
        }
        if (configChanged) {
            // The content is part of the command's identity: a version sent again after a failed transaction may
            // carry another configuration, and a device must not take it for the one it has seen.
            String subject = "config-" + configVersion + "-" + Sha256.hex(config);
            kafka.command(new DeviceRef(orgSlug, deviceId), CONFIG_COMMAND, subject,
                    Map.of("configVersion", configVersion, "config", completed), now);
        }
        return true;
    }

    /**
     * Publishes these devices' settings again, unchanged but for the shift calendars they follow: after a change of a
     * calendar, of a line's members or of the organisation's zone. Devices that no longer exist are skipped. The
     * statements are the same few however many devices: their rows are locked and their calendars resolved at once.
     */
    public void republish(Database.Tx tx, String orgSlug, Collection<String> deviceIds) throws SQLException {
        Map<String, DeviceStore.LockedSettings> current = devices.lockSettings(tx, orgSlug, deviceIds);
        Map<String, CalendarSchedule> followed = calendars.of(tx, orgSlug, current.keySet());
        for (Map.Entry<String, DeviceStore.LockedSettings> device : current.entrySet()) {
            publish(orgSlug, device.getKey(), device.getValue().idealCycle(), followed.get(device.getKey()),
                    device.getValue().metadata());
        }
    }

    /** {@link #republish} for every device of the organisation. */
    public void republishAll(Database.Tx tx, String orgSlug) throws SQLException {
        republish(tx, orgSlug, deviceIds(tx, orgSlug));
    }

    /** Every device of the organisation. */
    public static List<String> deviceIds(Database.Tx tx, String orgSlug) throws SQLException {
        return tx.list("SELECT device_id FROM devices WHERE org_slug = ?", row -> row.getString(1), orgSlug);
    }

    private void publish(String orgSlug, String deviceId, IdealCycleSchedule idealCycle, CalendarSchedule calendar,
                         Map<String, String> metadata) {
        kafka.publish(new DeviceSettings(orgSlug, deviceId, idealCycle,
                calendar.forgetEndedBefore(clock.instant(), SCHEDULE_HISTORY), metadata));
    }

    /** A device's configuration and metadata as its profile has them. */
    public record Fitted(ObjectNode config, Map<String, String> metadata) {
    }

    /**
     * The configuration and metadata as the device's profile declares them, the defaults of missing fields filled in;
     * a 400 with every field that does not fit. Without a profile, as given.
     */
    public Fitted fitted(Database.Tx tx, String orgSlug, Optional<String> profileId, ObjectNode config,
                         Map<String, String> metadata) throws SQLException {
        Optional<Profile> profile = profileId.isEmpty() ? Optional.empty() : profiles.find(tx, orgSlug, profileId.get());
        if (profile.isEmpty()) {
            return new Fitted(config, metadata);
        }
        List<String> problems = new ArrayList<>();
        Fitted fitted = new Fitted(profile.get().completedConfig(config, problems),
                profile.get().completedMetadata(metadata, problems));
        ApiException.throwIfAny(problems);
        return fitted;
    }
}
