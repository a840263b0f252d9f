package io.plantline.bridge;

import io.plantline.model.DeviceRef;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which devices may send, from the {@code devices} table, held in memory and reloaded every
 * {@code refresh}, so a device added or disabled through the API takes effect within that time without a
 * database query per message. When a reload fails the last good copy stays in force.
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
    /** Device key to enabled; replaced whole on every reload, so readers never see half a reload. */
    private volatile Map<String, Boolean> devices;

    /** Loads the registry once (failing when the database cannot be read) and then every {@code refresh}. */
    public DeviceRegistry(DataSource database, Duration refresh) throws SQLException {
        this.database = database;
        this.devices = load();
        reloader.scheduleWithFixedDelay(this::reload, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Status status(DeviceRef device) {
        Boolean enabled = devices.get(device.key());
        if (enabled == null) {
            return Status.UNKNOWN;
        }
        return enabled ? Status.ENABLED : Status.DISABLED;
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

    private Map<String, Boolean> load() throws SQLException {
        Map<String, Boolean> loaded = new HashMap<>();
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(10);
            try (ResultSet rows = statement.executeQuery("SELECT org_slug, device_id, enabled FROM devices")) {
                while (rows.next()) {
                    loaded.put(rows.getString(1) + "/" + rows.getString(2), rows.getBoolean(3));
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
