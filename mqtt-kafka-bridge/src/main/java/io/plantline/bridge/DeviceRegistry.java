package io.plantline.bridge;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.plantline.concurrent.DaemonThreads;
import io.plantline.model.DeviceProfile;
import io.plantline.model.DeviceRef;
import io.plantline.model.json.RecordJson;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
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
 * good copy stays in force, and {@link #reloadProblem()} says so. A device not in the copy is looked up once more
 * before it is called unknown, so a device registered since the last reload is not refused; a device looked up in
 * vain is not looked up again for {@link #MISS_KEPT}, so messages of made-up devices cost no query each.
 */
public final class DeviceRegistry implements AutoCloseable {

    public enum Status {
        ENABLED,
        DISABLED,
        UNKNOWN
    }

    private static final Logger LOG = LoggerFactory.getLogger(DeviceRegistry.class);
    static final Duration MISS_KEPT = Duration.ofSeconds(1);
    private static final int LOOKUP_TIMEOUT_SECONDS = 2;

    private final DataSource database;
    private final ScheduledExecutorService reloader =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("device-registry"));
    private record Entry(boolean enabled, Optional<DeviceProfile> profile) {
    }

    /** Device key to its entry; replaced whole on every reload, so readers never see half a reload. */
    private volatile Map<String, Entry> devices;
    /** Devices found by a lookup since the last reload, which replaces them. */
    private final Map<String, Entry> lookedUp = new ConcurrentHashMap<>();
    private final Cache<String, Boolean> misses = Caffeine.newBuilder().expireAfterWrite(MISS_KEPT).maximumSize(100_000)
            .build();
    private volatile String reloadFailure;
    private volatile long failingSinceNanos;

    /** Loads the registry once (failing when the database cannot be read) and then every {@code refresh}. */
    public DeviceRegistry(DataSource database, Duration refresh) throws SQLException {
        this.database = database;
        this.devices = load(null);
        reloader.scheduleWithFixedDelay(this::reload, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Status status(DeviceRef device) {
        Entry entry = entry(device);
        if (entry == null) {
            return Status.UNKNOWN;
        }
        return entry.enabled() ? Status.ENABLED : Status.DISABLED;
    }

    public Optional<DeviceProfile> profile(DeviceRef device) {
        Entry entry = entry(device);
        return entry == null ? Optional.empty() : entry.profile();
    }

    /** Why the registry in force may be out of date (its reloads fail), or empty. */
    public Optional<String> reloadProblem() {
        String failure = reloadFailure;
        return failure == null ? Optional.empty() : Optional.of("device registry not reloaded for "
                + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - failingSinceNanos) + " s: " + failure);
    }

    private Entry entry(DeviceRef device) {
        Entry entry = devices.get(device.key());
        if (entry != null) {
            return entry;
        }
        entry = lookedUp.get(device.key());
        if (entry != null || misses.getIfPresent(device.key()) != null) {
            return entry;
        }
        try {
            Map<String, Entry> found = load(device);
            entry = found.get(device.key());
        } catch (SQLException | RuntimeException e) {
            LOG.warn("cannot look up device {}: {}", device, e.toString());
        }
        if (entry == null) {
            misses.put(device.key(), Boolean.TRUE);
        } else {
            lookedUp.put(device.key(), entry);
        }
        return entry;
    }

    public int size() {
        return devices.size();
    }

    private void reload() {
        try {
            devices = load(null);
            lookedUp.clear();
            reloadFailure = null;
        } catch (SQLException | RuntimeException e) {
            if (reloadFailure == null) {
                failingSinceNanos = System.nanoTime();
            }
            reloadFailure = e.toString();
            LOG.warn("device registry reload failed; keeping the {} devices loaded before: {}", devices.size(), e.toString());
        }
    }

    /** Every device, or only {@code device}; each profile is parsed once per load, however many devices share it. */
    private Map<String, Entry> load(DeviceRef device) throws SQLException {
        Map<String, Entry> loaded = new HashMap<>();
        Map<String, Optional<DeviceProfile>> profiles = new HashMap<>();
        String sql = "SELECT d.org_slug, d.device_id, d.enabled, p.profile_id, p.metrics, p.outside_profile FROM devices d"
                + " LEFT JOIN device_profiles p ON p.org_slug = d.org_slug AND p.profile_id = d.profile_id"
                + (device == null ? "" : " WHERE d.org_slug = ? AND d.device_id = ?");
        try (Connection connection = database.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setQueryTimeout(device == null ? 10 : LOOKUP_TIMEOUT_SECONDS);
            if (device != null) {
                statement.setString(1, device.orgSlug());
                statement.setString(2, device.deviceId());
            }
            try (ResultSet rows = statement.executeQuery()) {
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
