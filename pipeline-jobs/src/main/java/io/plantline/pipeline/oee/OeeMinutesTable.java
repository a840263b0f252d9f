package io.plantline.pipeline.oee;

import io.plantline.config.JdbcAddress;
import io.plantline.pipeline.sink.PostgresTable;

/**
 * Writes {@code oee_1m} through the {@code write_oee_minutes} procedure (migrations V20 and V26), a batch in one call: the
 * minutes, and each hour and day of {@code oee_1h} and {@code oee_1d} they fall in adjusted once by the batch's
 * changes, in the same transaction, so a rewritten minute corrects its roll-ups; and in that transaction too the
 * minutes' stops ({@link StopTables}).
 */
public final class OeeMinutesTable {

    static final String WRITE = "CALL write_oee_minutes(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String[] TYPES = {"text", "text", "int8", "int8", "int8", "int8", "int8", "float8",
        "float8", "float8", "float8", "float8", "float8", "float8", "bool", "int8", "int8", "int8", "int8", "bool",
        "int8"};

    private OeeMinutesTable() {
    }

    public static PostgresTable<OeeMinute> table(JdbcAddress database) {
        PostgresTable.Writes<OeeMinute> minutes = PostgresTable.asArrays(TYPES,
                OeeMinute::orgSlug,
                OeeMinute::deviceId,
                OeeMinute::bucketStart,
                minute -> minute.components().plannedMs(),
                minute -> minute.components().runMs(),
                minute -> minute.components().totalCount(),
                minute -> minute.components().goodCount(),
                OeeMinute::idealCycleMs,
                minute -> minute.components().idealKnown() ? minute.components().idealMs() : null,
                minute -> minute.components().idealKnown() ? minute.components().goodIdealMs() : null,
                minute -> minute.components().availability(),
                minute -> minute.components().performance(),
                minute -> minute.components().quality(),
                minute -> minute.components().oee(),
                minute -> minute.components().performanceAboveOne(),
                minute -> minute.times().knownMs(),
                minute -> minute.times().idleMs(),
                minute -> minute.times().downMs(),
                minute -> minute.times().plannedStopMs(),
                minute -> minute.times().scheduled(),
                minute -> minute.times().unscheduledRunMs());
        return new PostgresTable<>(database, "oee_1m", WRITE, (statement, rows) -> {
            minutes.write(statement, rows);
            StopTables.write(statement.getConnection(), rows);
        }, minute -> minute.orgSlug() + '/' + minute.deviceId());
    }
}
