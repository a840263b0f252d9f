package io.plantline.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code upsert_oee_minute}: a rewritten minute corrects its hour and day, whichever way the values move. */
@ExtendWith(PostgresExtension.class)
class OeeMinuteUpsertTest {

    private static final String MINUTE = "CALL upsert_oee_minute('acme', 'm-1', '2026-12-01T02:00:00Z', %d, %d, %d, %d,"
            + " NULL, NULL, NULL, NULL, NULL, NULL, NULL, false)";

    @BeforeAll
    static void migrate(TestDatabase database) {
        SchemaMigration.apply(database.jdbcUrl());
    }

    @BeforeEach
    void emptyTables(TestDatabase database) throws SQLException {
        database.execute("TRUNCATE oee_1m, oee_1h, oee_1d");
    }

    @Test
    void aCorrectionThatLowersRunTimeLowersTheHourAndTheDay(TestDatabase database) throws SQLException {
        database.execute(MINUTE.formatted(59_999, 59_999, 10, 9));
        // A late IDLE event: the same minute ran 50 s, not 60 s (bench/oee.sh crash-looped on this).
        database.execute(MINUTE.formatted(59_999, 50_000, 8, 7));

        for (String rollUp : new String[] {"oee_1h", "oee_1d"}) {
            assertThat(database.query("SELECT planned_ms, run_ms, total_count, good_count FROM " + rollUp))
                    .as(rollUp).containsExactly(Map.of("planned_ms", 59_999L, "run_ms", 50_000L,
                            "total_count", 8L, "good_count", 7L));
        }
    }

    @Test
    void aMinuteKeepsWhereItsTimeWentAndAnUnscheduledOneAddsNoPlannedTime(TestDatabase database) throws SQLException {
        // Scheduled: 40 s running, 15 s down, 5 s in a planned stop. Unscheduled (a break): 60 s running, overtime.
        database.execute("CALL upsert_oee_minute('acme', 'm-1', '2026-12-01T02:00:00Z', 55000, 40000, 0, 0, NULL, NULL,"
                + " NULL, NULL, NULL, NULL, NULL, false, 60000, 0, 15000, 5000, true, 0)");
        database.execute("CALL upsert_oee_minute('acme', 'm-1', '2026-12-01T02:01:00Z', 0, 0, 0, 0, NULL, NULL,"
                + " NULL, NULL, NULL, NULL, NULL, false, 60000, 0, 0, 0, false, 60000)");

        assertThat(database.query("SELECT count(*) AS minutes FROM oee_1m"
                + " WHERE known_ms = run_ms + unscheduled_run_ms + idle_ms + down_ms + planned_stop_ms"))
                .containsExactly(Map.of("minutes", 2L));
        assertThat(database.query("SELECT scheduled, unscheduled_run_ms FROM oee_1m ORDER BY bucket_start"))
                .containsExactly(Map.of("scheduled", true, "unscheduled_run_ms", 0L),
                        Map.of("scheduled", false, "unscheduled_run_ms", 60_000L));
        assertThat(database.query("SELECT planned_ms, run_ms FROM oee_1h"))
                .as("the hour sums planned and OEE run time only").containsExactly(Map.of("planned_ms", 55_000L, "run_ms", 40_000L));
    }
}
