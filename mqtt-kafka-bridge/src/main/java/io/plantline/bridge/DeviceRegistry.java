package io.plantline.bridge;

import io.plantline.model.DeviceProfile;
import io.plantline.model.DeviceRef;
import io.plantline.model.json.RecordJson;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which devices may send, and the profile each is held to, from the {@code devices} and {@code device_profiles}
 * tables, held in memory and reloaded every {@code refresh}, so a device added or disabled, or a profile changed,
 * through the API takes effect within that time without a database query per message. When a reload fails the last
 * good copy stays in force.
 */
public final class DeviceRegistry implements AutoCloseable {

    public enum Status {
        ENABLED,
        DISABLED,
        UNKNOWN
    }

    private static final Logger LOG = LoggerFactory.getLogger(DeviceRegistry.class);

    private final DataSource database;
    private final ScheduledExecutorService reloader = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "device-registry");
        thread.setDaemon(true);
        return thread;
    });
    private record Entry(boolean enabled, Optional<DeviceProfile> profile) {
    }

    /** Device key to its entry; replaced whole on every reload, so readers never see half a reload. */
    private volatile Map<String, Entry> devices;

    /** Loads the registry once (failing when the database cannot be read) and then every {@code refresh}. */
    public DeviceRegistry(DataSource database, Duration refresh) throws SQLException {
        this.database = database;
        this.devices = load();
        reloader.scheduleWithFixedDelay(this::reload, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Status status(DeviceRef device) {
        Entry entry = devices.get(device.key());
        if (entry == null) {
            return Status.UNKNOWN;
        }
        return entry.enabled() ? Status.ENABLED : Status.DISABLED;
    }

    public Optional<DeviceProfile> profile(DeviceRef device) {
        Entry entry = devices.get(device.key());
        return entry == null ? Optional.empty() : entry.profile();
    }

    public int size() {
        return devices.size();
    }

    private void reload() {
        try {
            devices = load();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("device registry reload failed; keeping the {} devices loaded before: {}", devices.size(), e.toString());
        }
    }

    /** Each profile is parsed once per load, however many devices share it. */
    private Map<String, Entry> load() throws SQLException {
        Map<String, Entry> loaded = new HashMap<>();
        Map<String, Optional<DeviceProfile>> profiles = new HashMap<>();
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(10);
            try (ResultSet rows = statement.executeQuery("SELECT d.org_slug, d.device_id, d.enabled, p.profile_id, p.metrics,"
                    + " p.outside_profile FROM devices d LEFT JOIN device_profiles p"
                    + " ON p.org_slug = d.org_slug AND p.profile_id = d.profile_id")) {
                while (rows.next()) {
                    String profileId = rows.getString(4);
                    String metrics = rows.getString(5);
                    String outside = rows.getString(6);
                    Optional<DeviceProfile> profile = profileId == null ? Optional.empty() : profiles.computeIfAbsent(
                            rows.getString(1) + "/" + profileId,
                            key -> Optional.of(RecordJson.readDeviceProfile(profileId, metrics, outside)));
                    loaded.put(rows.getString(1) + "/" + rows.getString(2), new Entry(rows.getBoolean(3), profile));
                }
            }
        }
        return Map.copyOf(loaded);
    }

    @Override
    public void close() {
        reloader.shutdownNow();
    }
}
