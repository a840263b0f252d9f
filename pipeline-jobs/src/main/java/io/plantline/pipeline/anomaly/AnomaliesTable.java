package io.plantline.pipeline.anomaly;

import io.plantline.config.JdbcAddress;
import io.plantline.pipeline.sink.PostgresTable;

/** Writes {@code anomalies}, one row per anomalous reading. */
public final class AnomaliesTable {

    static final String UPSERT = """
            INSERT INTO anomalies (org_slug, device_id, metric, ts, value, score, method)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (org_slug, device_id, metric, ts) DO UPDATE SET
                value = EXCLUDED.value, score = EXCLUDED.score, method = EXCLUDED.method""";

    private AnomaliesTable() {
    }

    public static PostgresTable<Anomaly> table(JdbcAddress database) {
        return new PostgresTable<>(database, "anomalies", UPSERT, PostgresTable.eachRow((statement, anomaly) -> {
            statement.setString(1, anomaly.orgSlug());
            statement.setString(2, anomaly.deviceId());
            statement.setString(3, anomaly.metric());
            statement.setObject(4, PostgresTable.timestamp(anomaly.ts()));
            statement.setDouble(5, anomaly.value());
            statement.setDouble(6, anomaly.score());
            statement.setString(7, anomaly.method());
        }), anomaly -> anomaly.orgSlug() + '/' + anomaly.deviceId());
    }
}
