package io.plantline.api.partitions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.plantline.api.ApiOptions;
import io.plantline.api.ApiOptions.KpiRetention;
import io.plantline.api.db.Database;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The server's partition maintenance at times this test chooses, with the default retention (minutes 90 days, hours
 * two years, days for ever, anomalies a year): partitions are made ahead of the clock, those past a table's horizon
 * are dropped whole while newer ones and the roll-ups keep their rows, and rows that arrived before their partition
 * existed move into it when it is made.
 */
@ExtendWith(PostgresExtension.class)
class PartitionMaintenanceIT {

    private static final KpiRetention DEFAULTS = ApiOptions.parse(new String[0], Map.of()).kpiRetention();
    private static final Instant AUGUST_1 = Instant.parse("2026-08-01T12:00:00Z");

    private static Database database;

    @BeforeAll
    static void migrate(TestDatabase test) {
        SchemaMigration.apply(test.jdbcUrl());
        database = new Database(test.jdbcUrl(), 2, Duration.ofSeconds(30));
    }

    @BeforeEach
    void noPartitionsYet(TestDatabase test) throws SQLException {
        test.execute("DO $$ DECLARE p record; BEGIN FOR p IN SELECT t.table_name, s.partition_name FROM partitioned_tables t"
                + " CROSS JOIN LATERAL table_partitions(t.table_name) s LOOP EXECUTE format('DROP TABLE %I', p.partition_name);"
                + " END LOOP; END $$");
        test.execute("TRUNCATE telemetry_1m, telemetry_1h, telemetry_1d, oee_1m, oee_1h, oee_1d, anomalies");
    }

    @Test
    void defaultsAreThoseDocumented() {
        assertThat(DEFAULTS).isEqualTo(new KpiRetention(Optional.of(Duration.ofDays(90)),
                Optional.of(Duration.ofDays(730)), Optional.empty(),
                Optional.of(Duration.ofDays(365)), Duration.ofDays(7)));
    }

    @Test
    void partitionsPastTheHorizonAreDroppedWholeAndTheRollUpsKeepTheirRows(TestDatabase test) throws SQLException {
        maintainAt(AUGUST_1);
        assertThat(partitions(test, "telemetry_1m")).contains("telemetry_1m_p20260731", "telemetry_1m_p20260801",
                "telemetry_1m_p20260808").doesNotContain("telemetry_1m_p20260809");
        assertThat(partitions(test, "oee_1h")).containsExactly("oee_1h_p202607", "oee_1h_p202608");
        for (String day : List.of("2026-08-01", "2026-08-02", "2026-08-03")) {
            test.execute("CALL upsert_telemetry_minute('acme', 'press-1', 'temperature', '" + day + "T10:00:00Z', 4, 1, 3, 2, 1)");
            test.execute("CALL upsert_oee_minute('acme', 'press-1', '" + day + "T10:00:00Z', 60000, 30000, 10, 9, 3000,"
                    + " 30000, 27000, 0.5, 1, 0.9, 0.45, false)");
            test.execute("INSERT INTO anomalies VALUES ('acme', 'press-1', 'temperature', '" + day + "T10:00:05Z', 9, 5, 'spike')");
        }
        assertThat(count(test, "telemetry_1m_default") + count(test, "oee_1m_default")).isZero();

        // Minutes are kept 90 days: on 2026-11-01 at noon the horizon is 2026-08-03 at noon, so the partitions of
        // 1 and 2 August end before it and the one of 3 August does not.
        List<String> dropped = maintainAt(Instant.parse("2026-11-01T12:00:00Z"));

        assertThat(dropped).contains("telemetry_1m_p20260801", "telemetry_1m_p20260802", "oee_1m_p20260802",
                "oee_stop_minutes_p20260801").doesNotContain("telemetry_1m_p20260803", "oee_1h_p202608");
        assertThat(partitions(test, "telemetry_1m")).doesNotContain("telemetry_1m_p20260801")
                .contains("telemetry_1m_p20260803", "telemetry_1m_p20261108");
        assertThat(test.query("SELECT bucket_start::date::text AS day FROM telemetry_1m"))
                .containsExactly(Map.of("day", "2026-08-03"));
        assertThat(test.query("SELECT bucket_start::date::text AS day FROM oee_1m"))
                .containsExactly(Map.of("day", "2026-08-03"));
        assertThat(count(test, "telemetry_1h")).isEqualTo(3);
        assertThat(count(test, "telemetry_1d")).isEqualTo(3);
        assertThat(count(test, "oee_1h")).isEqualTo(3);
        assertThat(count(test, "oee_1d")).isEqualTo(3);
        assertThat(count(test, "anomalies")).isEqualTo(3);
    }

    @Test
    void rowsWrittenBeforeTheirPartitionExistedMoveIntoItWhenItIsMade(TestDatabase test) throws SQLException {
        maintainAt(AUGUST_1);
        test.execute("CALL upsert_telemetry_minute('acme', 'press-1', 'temperature', '2026-09-15T10:00:00Z', 4, 1, 3, 2, 1)");
        assertThat(count(test, "telemetry_1m_default")).isEqualTo(1);

        maintainAt(Instant.parse("2026-09-14T00:00:00Z"));

        assertThat(count(test, "telemetry_1m_default")).isZero();
        assertThat(count(test, "telemetry_1m_p20260915")).isEqualTo(1);
        test.execute("CALL upsert_telemetry_minute('acme', 'press-1', 'temperature', '2026-09-15T10:00:00Z', 2, 5, 5, 5, 0)");
        assertThat(test.query("SELECT count, max FROM telemetry_1m")).containsExactly(Map.of("count", 2L, "max", 5.0));
    }

    /** An analyst's long query on one table delays that table's maintenance only, and the round says which failed. */
    @Test
    void aTableThatCannotBeLockedIsLeftForTheNextRoundAndTheOthersAreMaintained(TestDatabase test) throws SQLException {
        try (Connection analyst = DriverManager.getConnection(test.jdbcUrl())) {
            analyst.setAutoCommit(false);
            analyst.createStatement().execute("LOCK TABLE anomalies IN ACCESS EXCLUSIVE MODE");

            assertThatThrownBy(() -> maintainAt(AUGUST_1)).hasMessageContaining("anomalies")
                    .hasMessageNotContaining("telemetry_1m");

            assertThat(partitions(test, "telemetry_1m")).contains("telemetry_1m_p20260801");
            assertThat(partitions(test, "oee_1d")).containsExactly("oee_1d_p2026");
            analyst.rollback();
        }
        assertThat(partitions(test, "anomalies")).isEmpty();
        maintainAt(AUGUST_1);
        assertThat(partitions(test, "anomalies")).containsExactly("anomalies_p202607", "anomalies_p202608");
    }

    private static List<String> maintainAt(Instant now) {
        try (PartitionMaintenance maintenance = new PartitionMaintenance(database, DEFAULTS, Clock.fixed(now, ZoneOffset.UTC))) {
            return maintenance.run();
        }
    }

    private static List<Object> partitions(TestDatabase test, String table) throws SQLException {
        return test.query("SELECT partition_name FROM table_partitions('" + table + "') ORDER BY lower_bound").stream()
                .map(row -> row.get("partition_name")).toList();
    }

    private static long count(TestDatabase test, String table) throws SQLException {
        return (long) test.query("SELECT count(*) AS n FROM " + table).get(0).get("n");
    }
}
