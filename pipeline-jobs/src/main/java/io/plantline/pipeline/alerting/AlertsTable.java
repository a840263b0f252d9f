package io.plantline.pipeline.alerting;

import io.plantline.pipeline.sink.PostgresUpserts;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.UUID;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

/**
 * Writes the job's columns of {@code alerts}. The job and the API never overwrite each other: the job writes
 * severity, values and its own times, the API acknowledged/resolved columns; the status only moves forward
 * (ACTIVE, ACKNOWLEDGED, CLEARED, RESOLVED), so a clear never undoes a resolve and a replayed open never undoes
 * a clear. If another alert of the same device and rule is still open in the table (the job started without
 * its state, or forgot it after the state TTL), opening a new one clears the stale one at the new opening time
 * instead of failing on the one-open-alert index.
 */
public final class AlertsTable {

    static final String UPSERT = """
            WITH stale AS (
                UPDATE alerts SET status = 'CLEARED', cleared_at = ?, updated_at = now()
                WHERE org_slug = ? AND device_id = ? AND rule_id = ? AND id <> ? AND opened_at < ?
                  AND status IN ('ACTIVE', 'ACKNOWLEDGED')
            )
            INSERT INTO alerts (id, org_slug, device_id, rule_id, metric, severity, status, opened_at, last_value,
                                peak_value, escalated_at, cleared_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
                severity = EXCLUDED.severity,
                last_value = EXCLUDED.last_value,
                peak_value = EXCLUDED.peak_value,
                escalated_at = COALESCE(alerts.escalated_at, EXCLUDED.escalated_at),
                cleared_at = COALESCE(alerts.cleared_at, EXCLUDED.cleared_at),
                status = CASE WHEN EXCLUDED.status = 'CLEARED' AND alerts.status IN ('ACTIVE', 'ACKNOWLEDGED')
                              THEN 'CLEARED' ELSE alerts.status END,
                updated_at = now()""";

    private AlertsTable() {
    }

    public static JdbcSink<AlertRow> sink(String jdbcUrl) {
        return PostgresUpserts.sink(jdbcUrl, UPSERT, AlertsTable::bind);
    }

    static void bind(PreparedStatement statement, AlertRow row) throws SQLException {
        UUID id = UUID.fromString(row.id());
        statement.setObject(1, PostgresUpserts.timestamp(row.openedAt()));
        statement.setString(2, row.orgSlug());
        statement.setString(3, row.deviceId());
        statement.setString(4, row.ruleId());
        statement.setObject(5, id);
        statement.setObject(6, PostgresUpserts.timestamp(row.openedAt()));
        statement.setObject(7, id);
        statement.setString(8, row.orgSlug());
        statement.setString(9, row.deviceId());
        statement.setString(10, row.ruleId());
        statement.setString(11, row.metric());
        statement.setString(12, row.severity().name());
        statement.setString(13, row.status().name());
        statement.setObject(14, PostgresUpserts.timestamp(row.openedAt()));
        statement.setDouble(15, row.lastValue());
        statement.setDouble(16, row.peakValue());
        setOptionalTime(statement, 17, row.escalatedAt());
        setOptionalTime(statement, 18, row.clearedAt());
    }

    private static void setOptionalTime(PreparedStatement statement, int index, Long epochMillis) throws SQLException {
        if (epochMillis == null) {
            statement.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            statement.setObject(index, PostgresUpserts.timestamp(epochMillis));
        }
    }
}
