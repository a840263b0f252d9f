package io.plantline.api.devices;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.plantline.api.db.Conditions;
import io.plantline.api.db.Database;
import io.plantline.api.http.Json;
import io.plantline.model.DeviceRef;
import io.plantline.model.IdealCycleSchedule;
import io.plantline.model.MachineState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The {@code devices} table. Single-device reads go through a cache that every write through this store
 * invalidates at once; the jobs' columns (online, last seen, firmware, machine state) may lag in it by up to
 * {@link #CACHE_TTL}.
 */
public final class DeviceStore {

    static final Duration CACHE_TTL = Duration.ofSeconds(5);
    private static final int LOCK_FETCH_SIZE = 1_000;
    private static final String COLUMNS = "device_id, name, hardware_model, enabled, ideal_cycle_schedule, metadata, config,"
            + " online, last_seen_at, machine_state, machine_state_since, firmware_current, firmware_previous, firmware_target, write_key_prefix, read_key_prefix,"
            + " config_version, config_applied_version, config_reported_version, config_reported_at, config_report_error,"
            + " profile_id, created_at, updated_at";

    /** List filters; empty means "any". */
    /** {@code search}: part of the device's id or name, in any case. */
    public record Filter(Optional<String> groupId, Optional<Boolean> enabled, Optional<Boolean> online,
                         Optional<String> firmware, Optional<String> search) {
    }

    /** A device's key check: enough to accept or refuse a call made with one of its keys. */
    public record KeyedDevice(DeviceRef device, boolean enabled, String keyHash) {
    }

    /** What a settings write starts from, its row locked until the transaction ends. */
    public record LockedSettings(IdealCycleSchedule idealCycle, JsonNode config, Map<String, String> metadata,
                                 long configVersion, Optional<String> profileId) {
    }

    private final Database database;
    private final LoadingCache<DeviceRef, Optional<Device>> cache;

    private final Clock clock;

    public DeviceStore(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
        this.cache = Caffeine.newBuilder().expireAfterWrite(CACHE_TTL).maximumSize(100_000).build(this::load);
    }

    public Optional<Device> find(String orgSlug, String deviceId) {
        return DeviceRef.tryOf(orgSlug, deviceId).flatMap(cache::get);
    }

    public void invalidate(String orgSlug, String deviceId) {
        DeviceRef.tryOf(orgSlug, deviceId).ifPresent(cache::invalidate);
    }

    private Optional<Device> load(DeviceRef ref) {
        return database.one("SELECT " + COLUMNS + " FROM devices WHERE org_slug = ? AND device_id = ?",
                this::device, ref.orgSlug(), ref.deviceId());
    }

    public List<Device> list(String orgSlug, Filter filter, int offset, int limit) {
        Conditions where = filtered(orgSlug, filter);
        return database.list("SELECT " + COLUMNS + " FROM devices d WHERE " + where.sql() + " ORDER BY device_id OFFSET ? LIMIT ?",
                this::device, where.values(offset, limit));
    }

    public long count(String orgSlug, Filter filter) {
        Conditions where = filtered(orgSlug, filter);
        return database.one("SELECT count(*) FROM devices d WHERE " + where.sql(), row -> row.getLong(1), where.values()).orElse(0L);
    }

    /** Which of {@code deviceIds} exist in the organisation. */
    public List<String> existing(Database.Tx tx, String orgSlug, List<String> deviceIds) throws SQLException {
        return tx.list("SELECT device_id FROM devices WHERE org_slug = ? AND device_id = ANY (?)",
                row -> row.getString(1), orgSlug, deviceIds.toArray(String[]::new));
    }

    /** The hardware model of each of {@code deviceIds} the organisation has ({@code ""}: none given). */
    public Map<String, String> hardwareModels(Database.Tx tx, String orgSlug, List<String> deviceIds) throws SQLException {
        return tx.list("SELECT device_id, hardware_model FROM devices WHERE org_slug = ? AND device_id = ANY (?)",
                        row -> Map.entry(row.getString(1), row.getString(2)), orgSlug, deviceIds.toArray(String[]::new))
                .stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    public Optional<KeyedDevice> byKeyPrefix(String deviceId, DeviceKeys.Scope scope, String prefix) {
        String sql = switch (scope) {
            case WRITE -> "SELECT org_slug, device_id, enabled, write_key_hash FROM devices WHERE device_id = ? AND write_key_prefix = ?";
            case READ -> "SELECT org_slug, device_id, enabled, read_key_hash FROM devices WHERE device_id = ? AND read_key_prefix = ?";
        };
        return database.one(sql, row -> new KeyedDevice(new DeviceRef(row.getString(1), row.getString(2)),
                row.getBoolean(3), row.getString(4)), deviceId, prefix);
    }

    /** A new device with its write key's prefix and hash; a taken id is a unique violation (409). */
    public void create(Database.Tx tx, String orgSlug, NewDevice device, DeviceKeys.Issued key) throws SQLException {
        tx.update("INSERT INTO devices (org_slug, device_id, name, hardware_model, write_key_hash, write_key_prefix)"
                        + " VALUES (?, ?, ?, ?, ?, ?)",
                orgSlug, device.deviceId(), device.name(), device.hardwareModel(), key.hash(), key.prefix());
        invalidate(orgSlug, device.deviceId());
    }

    /** The fields a user sets at creation besides the settings, which are written after it. */
    public record NewDevice(String deviceId, String name, String hardwareModel) {
    }

    public boolean rename(Database.Tx tx, String orgSlug, String deviceId, Optional<String> name,
                          Optional<String> hardwareModel) throws SQLException {
        return changed(orgSlug, deviceId, tx.update("UPDATE devices SET name = coalesce(?, name),"
                        + " hardware_model = coalesce(?, hardware_model), updated_at = now() WHERE org_slug = ? AND device_id = ?",
                name.orElse(null), hardwareModel.orElse(null), orgSlug, deviceId));
    }

    public int setEnabled(Database.Tx tx, String orgSlug, List<String> deviceIds, boolean enabled) throws SQLException {
        int updated = tx.update("UPDATE devices SET enabled = ?, updated_at = now() WHERE org_slug = ? AND device_id = ANY (?)",
                enabled, orgSlug, deviceIds.toArray(String[]::new));
        deviceIds.forEach(id -> invalidate(orgSlug, id));
        return updated;
    }

    /** The device's settings as stored, its row locked until the transaction ends; empty for no such device. */
    public Optional<LockedSettings> lockSettings(Database.Tx tx, String orgSlug, String deviceId) throws SQLException {
        return Optional.ofNullable(lockSettings(tx, orgSlug, List.of(deviceId)).get(deviceId));
    }

    /**
     * The settings of those of these devices that exist, by id, their rows locked until the transaction ends, in the
     * order of their ids, so that two transactions locking overlapping sets never deadlock.
     */
    public SortedMap<String, LockedSettings> lockSettings(Database.Tx tx, String orgSlug, Collection<String> deviceIds)
            throws SQLException {
        SortedMap<String, LockedSettings> settings = new TreeMap<>();
        tx.forEach("SELECT device_id, ideal_cycle_schedule, config, metadata, config_version, profile_id FROM devices"
                        + " WHERE org_slug = ? AND device_id = ANY (?) ORDER BY device_id FOR UPDATE", LOCK_FETCH_SIZE,
                row -> settings.put(row.getString(1), new LockedSettings(Json.read(row.getString(2), IdealCycleSchedule.class),
                        json(row.getString(3)), Json.read(row.getString(4), new TypeReference<Map<String, String>>() { }),
                        row.getLong(5), Optional.ofNullable(row.getString(6)))),
                orgSlug, deviceIds.toArray(String[]::new));
        return settings;
    }

    /** Assigns the device a profile, or none; the caller has checked the profile exists and fits. */
    public void assignProfile(Database.Tx tx, String orgSlug, String deviceId, Optional<String> profileId)
            throws SQLException {
        tx.update("UPDATE devices SET profile_id = ?, updated_at = now() WHERE org_slug = ? AND device_id = ?",
                profileId.orElse(null), orgSlug, deviceId);
        invalidate(orgSlug, deviceId);
    }

    /** Stores the settings the jobs apply and the device's configuration at {@code configVersion}. */
    public void saveSettings(Database.Tx tx, String orgSlug, String deviceId, IdealCycleSchedule idealCycle,
                             String metadata, String config, long configVersion) throws SQLException {
        tx.update("UPDATE devices SET ideal_cycle_schedule = ?::jsonb, metadata = ?::jsonb, config = ?::jsonb,"
                        + " config_version = ?, updated_at = now() WHERE org_slug = ? AND device_id = ?",
                Json.write(idealCycle), metadata, config, configVersion, orgSlug, deviceId);
        invalidate(orgSlug, deviceId);
    }

    public boolean replaceWriteKey(Database.Tx tx, String orgSlug, String deviceId, DeviceKeys.Issued key) throws SQLException {
        return changed(orgSlug, deviceId, tx.update("UPDATE devices SET write_key_hash = ?, write_key_prefix = ?,"
                + " updated_at = now() WHERE org_slug = ? AND device_id = ?", key.hash(), key.prefix(), orgSlug, deviceId));
    }

    /** Gives the device a new read key, or none: the old one stops working at once either way. */
    public boolean replaceReadKey(String orgSlug, String deviceId, Optional<DeviceKeys.Issued> key) {
        return changed(orgSlug, deviceId, database.update("UPDATE devices SET read_key_hash = ?, read_key_prefix = ?,"
                        + " updated_at = now() WHERE org_slug = ? AND device_id = ?",
                key.map(DeviceKeys.Issued::hash).orElse(null), key.map(DeviceKeys.Issued::prefix).orElse(null),
                orgSlug, deviceId));
    }

    /**
     * The device's report on a configuration version it was sent; false when that version was never sent. The
     * applied version only moves forward, so a late report of an older version does not hide a newer one.
     */
    public boolean reportConfig(DeviceRef device, int version, boolean applied, String error, Instant at) {
        return changed(device.orgSlug(), device.deviceId(), database.update("UPDATE devices SET"
                        + " config_applied_version = CASE WHEN ? THEN greatest(config_applied_version, ?) ELSE config_applied_version END,"
                        + " config_reported_version = ?, config_report_error = ?, config_reported_at = ?"
                        + " WHERE org_slug = ? AND device_id = ? AND ? <= config_version",
                applied, version, version, error, Timestamp.from(at), device.orgSlug(), device.deviceId(), version));
    }

    /**
     * Deletes the device and the rows the jobs wrote about it (they carry no foreign key, so the jobs never fail on
     * a device deleted while its data is in flight). Returns the groups it was in, whose rules change scope.
     */
    public Optional<List<String>> delete(Database.Tx tx, String orgSlug, String deviceId) throws SQLException {
        List<String> groups = tx.list("SELECT group_id FROM device_group_members WHERE org_slug = ? AND device_id = ?",
                row -> row.getString(1), orgSlug, deviceId);
        if (tx.update("DELETE FROM devices WHERE org_slug = ? AND device_id = ?", orgSlug, deviceId) == 0) {
            return Optional.empty();
        }
        for (String table : List.of("alerts", "telemetry_1m", "telemetry_1h", "telemetry_1d", "anomalies", "oee_1m",
                "oee_1h", "oee_1d")) {
            tx.update("DELETE FROM " + table + " WHERE org_slug = ? AND device_id = ?", orgSlug, deviceId);
        }
        invalidate(orgSlug, deviceId);
        return Optional.of(groups);
    }

    private boolean changed(String orgSlug, String deviceId, int rows) {
        invalidate(orgSlug, deviceId);
        return rows == 1;
    }

    private static Conditions filtered(String orgSlug, Filter filter) {
        Conditions where = new Conditions().and("d.org_slug = ?", orgSlug)
                .andIf(filter.groupId(), "EXISTS (SELECT 1 FROM device_group_members m WHERE m.org_slug = d.org_slug"
                        + " AND m.device_id = d.device_id AND m.group_id = ?)")
                .andIf(filter.enabled(), "d.enabled = ?")
                .andIf(filter.online(), "d.online = ?")
                .andIf(filter.firmware(), "d.firmware_current = ?");
        filter.search().map(DeviceStore::containing).ifPresent(pattern ->
                where.and("(d.device_id ILIKE ? ESCAPE '\\' OR d.name ILIKE ? ESCAPE '\\')", pattern, pattern));
        return where;
    }

    /** The LIKE pattern of text containing {@code part} as typed: its % and _ match only themselves. */
    private static String containing(String part) {
        return "%" + part.replaceAll("[\\\\%_]", "\\\\$0") + "%";
    }

    private Device device(ResultSet row) throws SQLException {
        IdealCycleSchedule idealCycle = Json.read(row.getString("ideal_cycle_schedule"), IdealCycleSchedule.class);
        return new Device(row.getString("device_id"), row.getString("name"), row.getString("hardware_model"),
                row.getBoolean("enabled"), idealCycle.at(clock.instant()).orElse(null), idealCycle.periods(),
                json(row.getString("metadata")), json(row.getString("config")), row.getBoolean("online"),
                Database.instant(row, "last_seen_at").orElse(null), machineState(row),
                Database.instant(row, "machine_state_since").orElse(null), row.getString("firmware_current"),
                row.getString("firmware_previous"), row.getString("firmware_target"), row.getString("write_key_prefix"),
                row.getString("read_key_prefix"), configState(row), row.getString("profile_id"),
                row.getTimestamp("created_at").toInstant(),
                row.getTimestamp("updated_at").toInstant());
    }

    private static MachineState machineState(ResultSet row) throws SQLException {
        String state = row.getString("machine_state");
        return state == null ? null : MachineState.valueOf(state);
    }

    private static Device.ConfigState configState(ResultSet row) throws SQLException {
        long reported = row.getLong("config_reported_version");
        Device.ConfigReport lastReport = row.wasNull() ? null : new Device.ConfigReport(reported,
                row.getString("config_report_error") == null, row.getString("config_report_error"),
                row.getTimestamp("config_reported_at").toInstant());
        long applied = row.getLong("config_applied_version");
        Long appliedVersion = row.wasNull() ? null : applied;
        return new Device.ConfigState(row.getLong("config_version"), appliedVersion, lastReport);
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
