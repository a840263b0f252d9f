package io.plantline.pipeline.sink;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

/**
 * JDBC sinks whose statements are upserts on the table's natural key. With at-least-once delivery that is
 * exactly-once in effect: a record replayed after a restart overwrites the row it wrote before. Batches are
 * flushed every {@link #FLUSH_INTERVAL_MS} and at every checkpoint.
 *
 * <p>Do not add {@code reWriteBatchedInserts=true} to the JDBC URL: it merges a batch into one statement, and
 * PostgreSQL refuses an upsert that touches the same row twice in one statement (a late correction of a minute
 * written in the same batch).
 */
public final class PostgresUpserts {

    static final int BATCH_SIZE = 2_000;
    static final long FLUSH_INTERVAL_MS = 200;

    private PostgresUpserts() {
    }

    public static <T> JdbcSink<T> sink(String jdbcUrl, String upsert, JdbcStatementBuilder<T> parameters) {
        return JdbcSink.<T>builder()
                .withQueryStatement(upsert, parameters)
                .withExecutionOptions(JdbcExecutionOptions.builder()
                        .withBatchSize(BATCH_SIZE)
                        .withBatchIntervalMs(FLUSH_INTERVAL_MS)
                        .withMaxRetries(5)
                        .build())
                .buildAtLeastOnce(new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                        .withUrl(jdbcUrl)
                        .withDriverName("org.postgresql.Driver")
                        .build());
    }

    /** A {@code timestamptz} parameter that means the same instant whatever the JVM's and session's time zones. */
    public static OffsetDateTime timestamp(long epochMillis) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }
}
