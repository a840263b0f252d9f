package io.plantline.pipeline.sink;

import io.plantline.config.JdbcAddress;
import io.plantline.model.DeadLetter;
import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * A PostgreSQL table a job writes: the statement (an upsert on the natural key, or an update of the job's own
 * columns, so a row written twice after a restart is the same row), how rows are written with it, and the device a
 * row is about, for the dead letter of a row the database refuses. {@link #writer} puts it in a job's graph.
 *
 * @param database where the table is, and the login
 * @param name the table's name, the dead letter's origin
 */
public record PostgresTable<T>(JdbcAddress database, String name, String statement, Writes<T> writes, Device<T> device)
        implements Serializable {

    /** Writes some rows with the statement, in the caller's transaction. */
    public interface Writes<T> extends Serializable {
        void write(PreparedStatement statement, List<T> rows) throws SQLException;
    }

    /** Sets the statement's parameters from one row. */
    public interface Binder<T> extends Serializable {
        void bind(PreparedStatement statement, T row) throws SQLException;
    }

    /** One value of a row, for a statement that takes each column of the rows as an array. */
    public interface Column<T> extends Serializable {
        Object of(T row);
    }

    /** For a statement about one row: each row bound in turn, the rows sent as one JDBC batch. */
    public static <T> Writes<T> eachRow(Binder<T> binder) {
        return (statement, rows) -> {
            for (T row : rows) {
                binder.bind(statement, row);
                statement.addBatch();
            }
            statement.executeBatch();
        };
    }

    /**
     * For a statement that takes all rows at once, parameter i (from 1) an array of {@code types[i - 1]} holding
     * column i of every row: one execution, however many rows.
     */
    @SafeVarargs
    public static <T> Writes<T> asArrays(String[] types, Column<T>... columns) {
        if (types.length != columns.length) {
            throw new IllegalArgumentException(types.length + " types for " + columns.length + " columns");
        }
        return (statement, rows) -> {
            for (int i = 0; i < columns.length; i++) {
                Object[] values = new Object[rows.size()];
                for (int row = 0; row < values.length; row++) {
                    values[row] = columns[i].of(rows.get(row));
                }
                statement.setArray(i + 1, statement.getConnection().createArrayOf(types[i], values));
            }
            statement.execute();
        };
    }

    /** The {@code org/device} key of a row. */
    public interface Device<T> extends Serializable {
        String of(T row);
    }

    /** Writes {@code rows} into this table; the stream it returns holds the rows the database refused. */
    public SingleOutputStreamOperator<DeadLetter> writer(DataStream<T> rows, String jobName, String uid) {
        return rows.transform(name + " table", TypeInformation.of(DeadLetter.class), new PostgresWriter<>(this, jobName))
                .uid(uid);
    }

    /** A {@code timestamptz} parameter that means the same instant whatever the JVM's and session's time zones. */
    public static OffsetDateTime timestamp(long epochMillis) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }
}
