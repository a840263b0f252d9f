package io.plantline.pipeline.anomaly;

import io.plantline.pipeline.sink.PostgresUpserts;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

/** Writes {@code anomalies}, one row per anomalous reading. */
public final class AnomaliesTable {

    static final String UPSERT = """
            INSERT INTO anomalies (org_slug, device_id, metric, ts, value, score, method)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (org_slug, device_id, metric, ts) DO UPDATE SET
                value = EXCLUDED.value, score = EXCLUDED.score, method = EXCLUDED.method""";

    private AnomaliesTable() {
    }

    public static JdbcSink<Anomaly> sink(String jdbcUrl) {
        return PostgresUpserts.sink(jdbcUrl, UPSERT, (statement, anomaly) -> {
            statement.setString(1, anomaly.orgSlug());
            statement.setString(2, anomaly.deviceId());
            statement.setString(3, anomaly.metric());
            statement.setObject(4, PostgresUpserts.timestamp(anomaly.ts()));
            statement.setDouble(5, anomaly.value());
            statement.setDouble(6, anomaly.score());
            statement.setString(7, anomaly.method());
        });
    }
}
