package io.plantline.pipeline.aggregation;

import io.plantline.config.JdbcAddress;
import io.plantline.pipeline.sink.PostgresTable;

/** Writes {@code telemetry_1m}; a correction by a late reading replaces the row of its minute. */
public final class TelemetryMinutesTable {

    static final String UPSERT = """
            INSERT INTO telemetry_1m (org_slug, device_id, metric, bucket_start, count, min, max, avg, stddev)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (org_slug, device_id, metric, bucket_start) DO UPDATE SET
                count = EXCLUDED.count, min = EXCLUDED.min, max = EXCLUDED.max, avg = EXCLUDED.avg,
                stddev = EXCLUDED.stddev, updated_at = now()""";

    private TelemetryMinutesTable() {
    }

    public static PostgresTable<TelemetryMinute> table(JdbcAddress database) {
        return new PostgresTable<>(database, "telemetry_1m", UPSERT, PostgresTable.eachRow((statement, row) -> {
            statement.setString(1, row.orgSlug());
            statement.setString(2, row.deviceId());
            statement.setString(3, row.metric());
            statement.setObject(4, PostgresTable.timestamp(row.bucketStart()));
            statement.setLong(5, row.count());
            statement.setDouble(6, row.min());
            statement.setDouble(7, row.max());
            statement.setDouble(8, row.avg());
            statement.setDouble(9, row.stddev());
        }), row -> row.orgSlug() + '/' + row.deviceId());
    }
}
