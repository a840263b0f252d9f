package io.plantline.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import java.sql.SQLException;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * V39 on roll-ups written before it: a machine of a Berlin line ran at its ideal rate in a scheduled minute and in an
 * overtime minute of the same hour, and made parts without an ideal cycle time in an overtime minute of the next hour.
 * After the migration the hour, the day and the group hour hold the scheduled minute's ideal time only (performance
 * 1, not 2), no unknown ideal time for the overtime minute, and every part made.
 */
@ExtendWith(PostgresExtension.class)
class OvertimeRollUpMigrationTest {

    @BeforeAll
    static void migrateRollUpsWrittenBeforeV39(TestDatabase database) throws SQLException {
        Flyway.configure().dataSource(database.jdbcUrl(), null, null).locations(SchemaMigration.LOCATION)
                .target("38").load().migrate();
        database.execute("INSERT INTO organisations (slug, name, time_zone) VALUES ('berlin', 'Berlin', 'Europe/Berlin')");
        database.execute("INSERT INTO devices (org_slug, device_id, name, write_key_hash) VALUES ('berlin', 'press-0', 'Press 0', 'h')");
        database.execute("INSERT INTO device_groups (org_slug, group_id, name) VALUES ('berlin', 'line-1', 'Line 1')");
        database.execute("INSERT INTO device_group_members VALUES ('berlin', 'line-1', 'press-0')");
        // org, device, minute, planned, run, total, good, ideal cycle, ideal, good ideal, four ratios, above 1,
        // known, idle, down, planned stop, scheduled, unscheduled run
        database.execute("CALL upsert_oee_minute('berlin', 'press-0', '2026-11-24T11:00:00Z', 60000, 60000, 30, 29, 2000,"
                + " 60000, 58000, 1, 1, 0.967, 0.967, false, 60000, 0, 0, 0, true, 0)");
        database.execute("CALL upsert_oee_minute('berlin', 'press-0', '2026-11-24T11:01:00Z', 0, 0, 30, 30, 2000,"
                + " 60000, 60000, NULL, NULL, 1, NULL, false, 60000, 0, 0, 0, false, 60000)");
        database.execute("CALL upsert_oee_minute('berlin', 'press-0', '2026-11-24T12:00:00Z', 0, 0, 5, 5, NULL,"
                + " NULL, NULL, NULL, NULL, 1, NULL, false, 60000, 0, 0, 0, false, 60000)");
        assertThat(database.query("SELECT ideal_ms_sum FROM oee_1h WHERE bucket_start = '2026-11-24T11:00:00Z'"))
                .as("before V39").containsExactly(Map.of("ideal_ms_sum", 120_000.0));

        SchemaMigration.apply(database.jdbcUrl());
    }

    @Test
    void theHourAndDayHoldTheScheduledMinutesIdealTimeAndEveryPart(TestDatabase database) throws SQLException {
        for (Map.Entry<String, Long> table : Map.of("oee_1h", 60L, "oee_1d", 65L).entrySet()) {
            assertThat(database.query("SELECT total_count, ideal_ms_sum, good_ideal_ms_sum, ideal_unknown_minutes,"
                    + " performance, oee, performance_above_1 FROM " + table.getKey() + " ORDER BY bucket_start LIMIT 1"))
                    .as(table.getKey()).containsExactly(Map.of("total_count", table.getValue(), "ideal_ms_sum", 60_000.0,
                            "good_ideal_ms_sum", 58_000.0, "ideal_unknown_minutes", 0, "performance", 1.0,
                            "oee", 58_000 / 60_000.0, "performance_above_1", false));
        }
    }

    @Test
    void anOvertimeMinuteWithoutAnIdealCycleTimeLeavesItsHoursIdealTimeKnown(TestDatabase database) throws SQLException {
        assertThat(database.query("SELECT total_count, ideal_ms_sum, ideal_unknown_minutes, ideal_ms FROM oee_1h"
                + " WHERE bucket_start = '2026-11-24T12:00:00Z'")).containsExactly(Map.of("total_count", 5L,
                "ideal_ms_sum", 0.0, "ideal_unknown_minutes", 0, "ideal_ms", 0.0));
    }

    @Test
    void theGroupHoursFollow(TestDatabase database) throws SQLException {
        assertThat(database.query("SELECT to_char(bucket_start AT TIME ZONE 'UTC', 'HH24:MI') AS hour, total_count, ideal_ms_sum, ideal_unknown_minutes"
                + " FROM oee_group_1h ORDER BY bucket_start")).containsExactly(
                Map.of("hour", "11:00", "total_count", 60L, "ideal_ms_sum", 60_000.0,
                        "ideal_unknown_minutes", 0L),
                Map.of("hour", "12:00", "total_count", 5L, "ideal_ms_sum", 0.0,
                        "ideal_unknown_minutes", 0L));
    }
}
