package io.plantline.pipeline.sink;

import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import io.plantline.model.DeadLetter;

/**
 * A PostgreSQL table a job writes: the statement for one row (an upsert on the natural key, or an update of the
 * job's own columns, so a row written twice after a restart is the same row), how a row binds to it, and the device
 * a row is about, for the dead letter of a row the database refuses. {@link #writer} puts it in a job's graph.
 *
 * @param name the table's name, the dead letter's origin
 */
public record PostgresTable<T>(String jdbcUrl, String name, String statement, Binder<T> binder, Device<T> device)
        implements Serializable {

    /** Sets the statement's parameters from one row. */
    public interface Binder<T> extends Serializable {
        void bind(PreparedStatement statement, T row) throws SQLException;
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
