package io.plantline.api.profiles;

import com.fasterxml.jackson.core.type.TypeReference;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.plantline.api.db.Database;
import io.plantline.api.http.Json;
import io.plantline.model.DeviceProfile;
import io.plantline.model.DeviceRef;
import io.plantline.model.json.RecordJson;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code device_profiles} table, and the profile each device is held to at HTTP ingestion: cached for
 * {@link #HELD_FOR}, so a changed profile applies within seconds there as in the bridge (which reloads its registry).
 */
public final class ProfileStore {

    static final Duration HELD_FOR = Duration.ofSeconds(2);
    private static final String FIND = "SELECT profile_id, name, metrics, config_fields, metadata_fields, outside_profile,"
            + " created_at, updated_at FROM device_profiles WHERE org_slug = ?";

    private final Database database;
    private final LoadingCache<DeviceRef, Optional<DeviceProfile>> heldTo;

    public ProfileStore(Database database) {
        this.database = database;
        this.heldTo = Caffeine.newBuilder().expireAfterWrite(HELD_FOR).maximumSize(100_000).build(this::loadHeldTo);
    }

    public Optional<Profile> find(String orgSlug, String profileId) {
        return database.one(FIND + " AND profile_id = ?", ProfileStore::profile, orgSlug, profileId);
    }

    public Optional<Profile> find(Database.Tx tx, String orgSlug, String profileId) throws SQLException {
        return tx.one(FIND + " AND profile_id = ?", ProfileStore::profile, orgSlug, profileId);
    }

    public List<Profile> list(String orgSlug, int offset, int limit) {
        return database.list(FIND + " ORDER BY profile_id OFFSET ? LIMIT ?", ProfileStore::profile, orgSlug, offset, limit);
    }

    public long count(String orgSlug) {
        return database.one("SELECT count(*) FROM device_profiles WHERE org_slug = ?", row -> row.getLong(1), orgSlug)
                .orElse(0L);
    }

    /** A new profile; a taken id is a unique violation (409). */
    public void create(String orgSlug, Profile profile) {
        database.update("INSERT INTO device_profiles (org_slug, profile_id, name, metrics, config_fields, metadata_fields,"
                        + " outside_profile) VALUES (?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?)", orgSlug, profile.profileId(),
                profile.name(), Json.write(profile.metrics()), Json.write(profile.configFields()),
                Json.write(profile.metadataFields()), profile.outsideProfile());
    }

    public boolean replace(String orgSlug, Profile profile) {
        return database.update("UPDATE device_profiles SET name = ?, metrics = ?::jsonb, config_fields = ?::jsonb,"
                        + " metadata_fields = ?::jsonb, outside_profile = ?, updated_at = now()"
                        + " WHERE org_slug = ? AND profile_id = ?", profile.name(), Json.write(profile.metrics()),
                Json.write(profile.configFields()), Json.write(profile.metadataFields()), profile.outsideProfile(), orgSlug,
                profile.profileId()) == 1;
    }

    /** The devices assigned the profile, at most {@code limit} of them. */
    public List<String> devicesUsing(Database.Tx tx, String orgSlug, String profileId, int limit) throws SQLException {
        return tx.list("SELECT device_id FROM devices WHERE org_slug = ? AND profile_id = ? ORDER BY device_id LIMIT ?",
                row -> row.getString(1), orgSlug, profileId, limit);
    }

    public boolean delete(Database.Tx tx, String orgSlug, String profileId) throws SQLException {
        return tx.update("DELETE FROM device_profiles WHERE org_slug = ? AND profile_id = ?", orgSlug, profileId) == 1;
    }

    /** The profile HTTP ingestion holds the device's readings to, if it has one. */
    public Optional<DeviceProfile> heldTo(DeviceRef device) {
        return heldTo.get(device);
    }

    private Optional<DeviceProfile> loadHeldTo(DeviceRef device) {
        return database.one("SELECT p.profile_id, p.metrics, p.outside_profile FROM devices d JOIN device_profiles p"
                        + " ON p.org_slug = d.org_slug AND p.profile_id = d.profile_id WHERE d.org_slug = ? AND d.device_id = ?",
                row -> RecordJson.readDeviceProfile(row.getString(1), row.getString(2), row.getString(3)),
                device.orgSlug(), device.deviceId());
    }

    private static Profile profile(ResultSet row) throws SQLException {
        return new Profile(row.getString("profile_id"), row.getString("name"),
                Json.read(row.getString("metrics"), new TypeReference<List<Profile.Metric>>() { }),
                Json.read(row.getString("config_fields"), new TypeReference<List<Profile.ConfigField>>() { }),
                Json.read(row.getString("metadata_fields"), new TypeReference<List<Profile.MetadataField>>() { }),
                row.getString("outside_profile"), row.getTimestamp("created_at").toInstant(),
                row.getTimestamp("updated_at").toInstant());
    }
}
