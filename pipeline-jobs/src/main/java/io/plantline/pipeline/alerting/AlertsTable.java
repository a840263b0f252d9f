package io.plantline.pipeline.alerting;

import io.plantline.config.JdbcAddress;
import io.plantline.pipeline.sink.PostgresTable;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.UUID;

/**
 * Writes the job's columns of {@code alerts} through the {@code upsert_job_alert} procedure (migration V6), which
 * keeps the job and the API from overwriting each other: the job writes severity, values and its own times, the
 * API the acknowledged/resolved columns, and the status only moves forward. It also closes a stale open alert of
 * the same device and rule that the job no longer knows about, instead of failing on the one-open-alert index.
 */
public final class AlertsTable {

    static final String UPSERT = "CALL upsert_job_alert(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private AlertsTable() {
    }

    public static PostgresTable<AlertRow> table(JdbcAddress database) {
        return new PostgresTable<>(database, "alerts", UPSERT, PostgresTable.eachRow(AlertsTable::bind),
                row -> row.orgSlug() + '/' + row.deviceId());
    }

    static void bind(PreparedStatement statement, AlertRow row) throws SQLException {
        statement.setObject(1, UUID.fromString(row.id()));
        statement.setString(2, row.orgSlug());
        statement.setString(3, row.deviceId());
        statement.setString(4, row.ruleId());
        statement.setString(5, row.metric());
        statement.setString(6, row.severity().name());
        statement.setString(7, row.status().name());
        statement.setObject(8, PostgresTable.timestamp(row.openedAt()));
        statement.setDouble(9, row.lastValue());
        statement.setDouble(10, row.peakValue());
        setOptionalTime(statement, 11, row.escalatedAt());
        setOptionalTime(statement, 12, row.clearedAt());
    }

    private static void setOptionalTime(PreparedStatement statement, int index, Long epochMillis) throws SQLException {
        if (epochMillis == null) {
            statement.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            statement.setObject(index, PostgresTable.timestamp(epochMillis));
        }
    }
}
