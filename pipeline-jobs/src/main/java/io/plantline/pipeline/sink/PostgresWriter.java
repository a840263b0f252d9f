package io.plantline.pipeline.sink;

import io.plantline.model.DeadLetter;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.postgresql.PGProperty;

/**
 * Writes rows into one PostgreSQL table in batches, one transaction a batch, flushed every {@value #FLUSH_INTERVAL_MS}
 * ms, at {@value #BATCH_SIZE} rows and before every checkpoint barrier, so a completed checkpoint has its rows in the
 * table (at least once; the statements are idempotent, so exactly once in effect).
 *
 * <p>No single row stops the job. A row the database refuses for what it holds ({@link #refusal}) is written to the
 * output as a dead letter with the database's reason and counted in {@code rowsRefused}; the batch is then written
 * row by row, each behind a savepoint, and every other row is stored. Anything else (the connection lost, the server
 * restarting, a deadlock, a missing table) is retried on a new connection a few times with growing pauses, counted
 * in {@code writeRetries}, and then fails the task, so Flink restarts the job from its last checkpoint and nothing
 * is lost. A server that stops answering (a half-open connection) counts as a lost connection after
 * {@value #SOCKET_TIMEOUT_SECONDS} s, unless the JDBC URL sets its own {@code socketTimeout}. No thread of its own:
 * everything runs on the task's thread, so cancelling the task never waits for a background writer, and no statement
 * holds the task longer than the socket timeout.
 *
 * <p>Each batch's transaction also records its time in {@code table_writes} (job, table, subtask), which tells how
 * fresh the table is without scanning it.
 */
final class PostgresWriter<T> extends AbstractStreamOperator<DeadLetter>
        implements OneInputStreamOperator<T, DeadLetter>, BoundedOneInput {

    static final int BATCH_SIZE = 2_000;
    static final long FLUSH_INTERVAL_MS = 200;
    static final int ATTEMPTS = 5;
    private static final long FIRST_PAUSE_MS = 500;
    /** Far above a batch's time (well under a second; seconds under load), and well below Flink's cancellation timeout. */
    static final int SOCKET_TIMEOUT_SECONDS = 30;
    /**
     * SQLSTATE classes in which the database refuses a statement for the values it was given: 21 cardinality (an
     * upsert touching one row twice, a subquery giving two rows), 22 data exception, 23 integrity constraint, 27
     * triggered data change, 44 check option, 54 program limit (a value or row too large, too complex), P0 raised by
     * a procedure. Connection, transaction, resource, operator and schema errors (08, 40, 53, 57, 58, 42, ...) are
     * not among them: they say nothing about the row, and a retry or an operator can cure them.
     */
    private static final List<String> REFUSING_CLASSES = List.of("21", "22", "23", "27", "44", "54", "P0");
    private static final String RECORD_WRITE = """
            INSERT INTO table_writes (job, table_name, subtask, last_write_at) VALUES (?, ?, ?, now())
            ON CONFLICT (job, table_name, subtask) DO UPDATE SET last_write_at = EXCLUDED.last_write_at""";

    private final PostgresTable<T> table;
    private final String jobName;
    private transient List<T> batch;
    private transient Connection connection;
    private transient PreparedStatement statement;
    private transient PreparedStatement recordWrite;
    private transient boolean flushScheduled;
    private transient Counter written;
    private transient Counter refused;
    private transient Counter retries;

    PostgresWriter(PostgresTable<T> table, String jobName) {
        this.table = table;
        this.jobName = jobName;
    }

    @Override
    public void open() throws Exception {
        super.open();
        batch = new ArrayList<>();
        written = getMetricGroup().counter("rowsWritten");
        refused = getMetricGroup().counter("rowsRefused");
        retries = getMetricGroup().counter("writeRetries");
    }

    @Override
    public void processElement(StreamRecord<T> element) throws Exception {
        batch.add(element.getValue());
        if (batch.size() >= BATCH_SIZE) {
            flush();
        } else if (!flushScheduled) {
            flushScheduled = true;
            long now = getProcessingTimeService().getCurrentProcessingTime();
            getProcessingTimeService().registerTimer(now + FLUSH_INTERVAL_MS, time -> {
                flushScheduled = false;
                flush();
            });
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        flush();
    }

    @Override
    public void endInput() throws Exception {
        flush();
    }

    @Override
    public void close() throws Exception {
        closeConnection();
        super.close();
    }

    private void flush() throws Exception {
        if (batch.isEmpty()) {
            return;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                write();
                written.inc(batch.size());
                batch.clear();
                return;
            } catch (SQLException e) {
                closeConnection();
                if (attempt == ATTEMPTS) {
                    throw new SQLException("writing " + batch.size() + " rows into " + table.name() + " failed "
                            + ATTEMPTS + " times", e);
                }
                retries.inc();
                LOG.warn("Writing into {} failed ({}); retrying on a new connection", table.name(), e.getMessage());
                Thread.sleep(FIRST_PAUSE_MS << (attempt - 1));
            }
        }
    }

    /** The batch in one transaction; row by row, refused rows to the dead letters, if the database refuses one. */
    private void write() throws SQLException {
        PreparedStatement rows = statement();
        try {
            table.writes().write(rows, batch);
            recordWrite.executeUpdate();
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            if (refusal(e).isEmpty()) {
                throw e;
            }
            rows.clearBatch();
            writeRowByRow(rows);
        }
    }

    private void writeRowByRow(PreparedStatement rows) throws SQLException {
        for (T row : batch) {
            Savepoint beforeRow = connection.setSavepoint();
            try {
                table.writes().write(rows, List.of(row));
                connection.releaseSavepoint(beforeRow);
            } catch (SQLException e) {
                SQLException refusal = refusal(e).orElseThrow(() -> e);
                connection.rollback(beforeRow);
                refused.inc();
                output.collect(new StreamRecord<>(DeadLetter.of(Instant.now(), jobName,
                        new Rejection(RejectReason.DATABASE_REFUSED,
                                refusal.getSQLState() + ": " + firstLine(refusal.getMessage())),
                        table.name(), table.device().of(row), String.valueOf(row).getBytes(StandardCharsets.UTF_8))));
            }
        }
        recordWrite.executeUpdate();
        connection.commit();
    }

    /**
     * The database's error if it refused a row for what it holds (a class of {@link #REFUSING_CLASSES}), rather than
     * failed for a reason a retry may cure. Of a JDBC batch's chain of errors, the innermost that says so, since it
     * carries the database's own message (the constraint's name) where the batch's says only which entry failed.
     */
    static Optional<SQLException> refusal(SQLException failure) {
        SQLException refusal = null;
        for (SQLException e = failure; e != null; e = e.getNextException()) {
            String state = e.getSQLState();
            if (state != null && state.length() == 5 && REFUSING_CLASSES.contains(state.substring(0, 2))) {
                refusal = e;
            }
        }
        return Optional.ofNullable(refusal);
    }

    private PreparedStatement statement() throws SQLException {
        if (connection == null) {
            Properties settings = new Properties();   // the URL's own parameters take precedence
            PGProperty.SOCKET_TIMEOUT.set(settings, SOCKET_TIMEOUT_SECONDS);
            PGProperty.APPLICATION_NAME.set(settings, jobName + " " + table.name());
            connection = DriverManager.getConnection(table.database().url(), table.database().withLogin(settings));
            connection.setAutoCommit(false);
            statement = connection.prepareStatement(table.statement());
            recordWrite = connection.prepareStatement(RECORD_WRITE);
            recordWrite.setString(1, jobName);
            recordWrite.setString(2, table.name());
            recordWrite.setInt(3, getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
        }
        return statement;
    }

    private void closeConnection() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException e) {
            LOG.debug("closing the connection to {} failed", table.name(), e);
        } finally {
            connection = null;
            statement = null;
            recordWrite = null;
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
