package io.plantline.pipeline.lifecycle;

import io.plantline.config.JdbcAddress;
import io.plantline.pipeline.sink.PostgresTable;
import java.sql.Types;

/**
 * Writes the job's columns of {@code ota_targets} and {@code devices}. The rows exist already (the API creates
 * devices and targets), so these are updates: a target that ended (the job's own FAILED or SUCCEEDED, or the API's
 * {@code cancelled}) is never reopened, which also makes a replay after a restart harmless; {@code last_seen_at}
 * only moves forward.
 */
public final class LifecycleTables {

    static final String TARGET = "UPDATE ota_targets SET state = ?, reason = ?, progress = coalesce(?, progress),"
            + " state_since = ?, updated_at = now() WHERE org_slug = ? AND deployment_id = ? AND device_id = ?"
            + " AND state NOT IN ('SUCCEEDED', 'FAILED')";
    static final String STATUS = "UPDATE devices SET online = ?, last_seen_at = greatest(last_seen_at, ?), updated_at = now()"
            + " WHERE org_slug = ? AND device_id = ?";
    // A job that has not seen the device's heartbeat yet (a fresh start) knows no firmware: it keeps the table's.
    static final String FIRMWARE = "UPDATE devices SET firmware_current = coalesce(?, firmware_current),"
            + " firmware_previous = coalesce(?, firmware_previous), firmware_target = ?,"
            + " updated_at = now() WHERE org_slug = ? AND device_id = ?";

    private LifecycleTables() {
    }

    public static PostgresTable<TargetRow> targets(JdbcAddress database) {
        return new PostgresTable<>(database, "ota_targets", TARGET, PostgresTable.eachRow((statement, row) -> {
            statement.setString(1, row.state());
            statement.setString(2, row.reason());
            if (row.progress() == null) {
                statement.setNull(3, Types.INTEGER);
            } else {
                statement.setInt(3, row.progress());
            }
            statement.setObject(4, PostgresTable.timestamp(row.stateSince()));
            statement.setString(5, row.orgSlug());
            statement.setString(6, row.deploymentId());
            statement.setString(7, row.deviceId());
        }), row -> row.orgSlug() + '/' + row.deviceId());
    }

    public static PostgresTable<DeviceStatusRow> statuses(JdbcAddress database) {
        return new PostgresTable<>(database, "devices", STATUS, PostgresTable.eachRow((statement, row) -> {
            statement.setBoolean(1, row.online());
            statement.setObject(2, PostgresTable.timestamp(row.lastSeenAt()));
            statement.setString(3, row.orgSlug());
            statement.setString(4, row.deviceId());
        }), row -> row.orgSlug() + '/' + row.deviceId());
    }

    public static PostgresTable<FirmwareRow> firmware(JdbcAddress database) {
        return new PostgresTable<>(database, "devices", FIRMWARE, PostgresTable.eachRow((statement, row) -> {
            statement.setString(1, row.current());
            statement.setString(2, row.previous());
            statement.setString(3, row.target());
            statement.setString(4, row.orgSlug());
            statement.setString(5, row.deviceId());
        }), row -> row.orgSlug() + '/' + row.deviceId());
    }
}
