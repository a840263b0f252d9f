package io.plantline.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.plantline.model.shifts.CalendarSchedule;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of one device that running jobs apply: its whole ideal cycle time schedule and the shift calendars it
 * follows (each record carries all of both, so a job that starts on the compacted topic, which keeps only a device's
 * latest record, knows every period) and free-form metadata.
 */
public record DeviceSettings(String orgSlug, String deviceId, IdealCycleSchedule idealCycle,
                             CalendarSchedule calendar, Map<String, String> metadata) implements RulesTopicValue {

    public DeviceSettings {
        DeviceRef.tryOf(orgSlug, deviceId).orElseThrow(
                () -> new IllegalArgumentException("orgSlug/deviceId break the identity contract"));
        idealCycle = Objects.requireNonNullElse(idealCycle, IdealCycleSchedule.EMPTY);
        calendar = Objects.requireNonNullElse(calendar, CalendarSchedule.EVERY_MINUTE);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** Settings with one ideal cycle time, in force from {@code effectiveFrom}. */
    public static DeviceSettings of(String orgSlug, String deviceId, Optional<Double> idealCycleSeconds,
                                    Instant effectiveFrom, Map<String, String> metadata) {
        return new DeviceSettings(orgSlug, deviceId,
                IdealCycleSchedule.EMPTY.written(effectiveFrom, idealCycleSeconds), CalendarSchedule.EVERY_MINUTE,
                metadata);
    }

    /**
     * Reads both forms: the schedule, and the single {@code idealCycleSeconds} from {@code effectiveFrom} that
     * versions before the schedule wrote (read as a schedule of that one period).
     */
    @JsonCreator
    static DeviceSettings fromJson(@JsonProperty("orgSlug") String orgSlug, @JsonProperty("deviceId") String deviceId,
                                   @JsonProperty("idealCycle") List<IdealCycleTime> idealCycle,
                                   @JsonProperty("idealCycleSeconds") Double legacySeconds,
                                   @JsonProperty("effectiveFrom") Instant legacyEffectiveFrom,
                                   @JsonProperty("calendar") CalendarSchedule calendar,
                                   @JsonProperty("metadata") Map<String, String> metadata) {
        IdealCycleSchedule schedule = idealCycle != null || legacyEffectiveFrom == null
                ? IdealCycleSchedule.of(idealCycle)
                : IdealCycleSchedule.EMPTY.written(legacyEffectiveFrom, Optional.ofNullable(legacySeconds));
        return new DeviceSettings(orgSlug, deviceId, schedule, calendar, metadata);
    }

    @Override
    public String key() {
        return orgSlug + "/device/" + deviceId;
    }
}
