package io.plantline.pipeline.aggregation;

import io.plantline.config.JdbcAddress;
import io.plantline.pipeline.sink.PostgresTable;

/**
 * Writes {@code telemetry_1m} through the {@code write_telemetry_minutes} procedure (migration V35), a batch in one
 * call: the minutes, and each hour of {@code telemetry_1h} and day of {@code telemetry_1d} they fall in adjusted by the
 * batch's changes in the same transaction, so a late reading that replaces its minute's row corrects its roll-ups.
 */
public final class TelemetryMinutesTable {

    static final String WRITE = "CALL write_telemetry_minutes(?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String[] TYPES = {"text", "text", "text", "int8", "int8", "float8", "float8", "float8", "float8"};

    private TelemetryMinutesTable() {
    }

    public static PostgresTable<TelemetryMinute> table(JdbcAddress database) {
        return new PostgresTable<>(database, "telemetry_1m", WRITE, PostgresTable.asArrays(TYPES,
                TelemetryMinute::orgSlug,
                TelemetryMinute::deviceId,
                TelemetryMinute::metric,
                TelemetryMinute::bucketStart,
                TelemetryMinute::count,
                TelemetryMinute::min,
                TelemetryMinute::max,
                TelemetryMinute::avg,
                TelemetryMinute::stddev),
                row -> row.orgSlug() + '/' + row.deviceId());
    }
}
