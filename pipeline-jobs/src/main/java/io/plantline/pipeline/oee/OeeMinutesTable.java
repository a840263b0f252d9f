package io.plantline.pipeline.oee;

import io.plantline.pipeline.sink.PostgresTable;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;

/**
 * Writes {@code oee_1m} through the {@code upsert_oee_minute} procedure (migration V7), which also recomputes the
 * minute's hour and day in {@code oee_1h} and {@code oee_1d} from the minute rows: a rewritten minute corrects its
 * roll-ups in the same transaction.
 */
public final class OeeMinutesTable {

    static final String UPSERT = "CALL upsert_oee_minute(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private OeeMinutesTable() {
    }

    public static PostgresTable<OeeMinute> table(String jdbcUrl) {
        return new PostgresTable<>(jdbcUrl, "oee_1m", UPSERT, OeeMinutesTable::bind,
                minute -> minute.orgSlug() + '/' + minute.deviceId());
    }

    static void bind(PreparedStatement statement, OeeMinute minute) throws SQLException {
        OeeComponents components = minute.components();
        statement.setString(1, minute.orgSlug());
        statement.setString(2, minute.deviceId());
        statement.setObject(3, PostgresTable.timestamp(minute.bucketStart()));
        statement.setLong(4, components.plannedMs());
        statement.setLong(5, components.runMs());
        statement.setLong(6, components.totalCount());
        statement.setLong(7, components.goodCount());
        setNullable(statement, 8, minute.idealCycleMs());
        setNullable(statement, 9, components.idealKnown() ? components.idealMs() : null);
        setNullable(statement, 10, components.idealKnown() ? components.goodIdealMs() : null);
        setNullable(statement, 11, components.availability());
        setNullable(statement, 12, components.performance());
        setNullable(statement, 13, components.quality());
        setNullable(statement, 14, components.oee());
        statement.setBoolean(15, components.performanceAboveOne());
    }

    private static void setNullable(PreparedStatement statement, int index, Double value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.DOUBLE);
        } else {
            statement.setDouble(index, value);
        }
    }
}
