package io.plantline.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The server's maintenance makes a day's partition while the jobs write and people read: a row written meanwhile
 * lands in the new partition (not refused by it), and a read meanwhile sees the rows that waited in the default
 * partition. The maintenance's transaction commits once the other session's statement waits for a lock or is done.
 */
@ExtendWith(PostgresExtension.class)
class PartitionAttachWhileWritingTest {

    private static final String DAY = "2026-12-07";

    @BeforeEach
    void noPartitionForTheDay(TestDatabase database) throws SQLException {
        SchemaMigration.apply(database.jdbcUrl());
        database.execute("DO $$ DECLARE p record; BEGIN FOR p IN SELECT s.partition_name FROM partitioned_tables t"
                + " CROSS JOIN LATERAL table_partitions(t.table_name) s WHERE t.table_name IN ('telemetry_1m', 'anomalies')"
                + " LOOP EXECUTE format('DROP TABLE %I', p.partition_name); END LOOP; END $$");
        database.execute("TRUNCATE telemetry_1m, telemetry_1h, telemetry_1d, anomalies");
    }

    @Test
    void aRowWrittenWhileThePartitionIsMadeLandsInIt(TestDatabase database) throws Exception {
        // A plain upsert, as the anomalies sink writes (the roll-up procedures wait inside and plan afresh).
        CompletableFuture<Void> write = whileMaking(database, "anomalies", session -> session.execute(
                "INSERT INTO anomalies VALUES ('acme', 'press-1', 'temperature', '" + DAY + "T12:00:05Z', 9, 5, 'spike')"
                        + " ON CONFLICT DO NOTHING"));

        write.get();
        assertThat(database.query("SELECT tableoid::regclass::text AS part FROM anomalies"))
                .containsExactly(Map.of("part", "anomalies_p202612"));
    }

    @Test
    void aReadWhileRowsMoveOutOfTheDefaultPartitionSeesThem(TestDatabase database) throws Exception {
        database.execute("CALL upsert_telemetry_minute('acme', 'press-1', 'temperature', '" + DAY + "T11:00:00Z', 4, 1, 3, 2, 1)");
        long[] seen = new long[1];
        CompletableFuture<Void> read = whileMaking(database, "telemetry_1m", session -> {
            try (ResultSet rows = session.executeQuery("SELECT count(*) FROM telemetry_1m WHERE bucket_start >= '" + DAY
                    + "' AND bucket_start < '" + DAY + "'::date + 1")) {
                rows.next();
                seen[0] = rows.getLong(1);
            }
        });

        read.get();
        assertThat(seen[0]).isEqualTo(1);
    }

    private interface Statements {
        void run(Statement session) throws SQLException;
    }

    /**
     * Runs {@code other} in a session of its own while another transaction makes the day's partition; commits that
     * transaction once {@code other} waits for a lock (or has finished), and answers {@code other}'s completion.
     */
    private static CompletableFuture<Void> whileMaking(TestDatabase database, String table, Statements other)
            throws Exception {
        try (Connection maintenance = DriverManager.getConnection(database.jdbcUrl());
             Connection session = DriverManager.getConnection(database.jdbcUrl())) {
            maintenance.setAutoCommit(false);
            try (Statement making = maintenance.createStatement()) {
                making.execute("SELECT create_partitions('" + table + "', '" + DAY + "T00:00:00Z', '" + DAY + "T00:00:00Z')");
            }
            int pid = backendPid(session);
            CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
                try (Statement statement = session.createStatement()) {
                    other.run(statement);
                } catch (SQLException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> done.isDone() || waitsForALock(database, pid));
            maintenance.commit();
            done.exceptionally(failure -> null).get();
            return done;
        }
    }

    private static int backendPid(Connection session) throws SQLException {
        try (Statement statement = session.createStatement(); ResultSet pid = statement.executeQuery("SELECT pg_backend_pid()")) {
            pid.next();
            return pid.getInt(1);
        }
    }

    private static boolean waitsForALock(TestDatabase database, int pid) throws SQLException {
        List<Map<String, Object>> waiting = database.query("SELECT 1 FROM pg_stat_activity WHERE pid = " + pid
                + " AND wait_event_type = 'Lock'");
        return !waiting.isEmpty();
    }
}
