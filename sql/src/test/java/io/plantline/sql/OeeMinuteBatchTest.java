package io.plantline.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code write_oee_minutes}: a batch of minutes, with rewrites in it and across batches, leaves every hour and day the
 * sum of its minutes' components with the ratios computed from the sums, as one minute at a time did.
 */
@ExtendWith(PostgresExtension.class)
class OeeMinuteBatchTest {

    /**
     * Both roll-ups hold exactly the sums of their minutes and the ratios of those sums, the ideal times of scheduled
     * minutes only (parts made in overtime stay outside OEE).
     */
    private static final String ROLL_UP_MISMATCHES = """
            WITH expected AS (
                SELECT m.org_slug, m.device_id, %s AS bucket_start, sum(planned_ms) AS planned_ms,
                       sum(run_ms) AS run_ms, sum(total_count) AS total_count, sum(good_count) AS good_count,
                       CASE WHEN bool_and(ideal_ms IS NOT NULL OR NOT scheduled)
                           THEN COALESCE(sum(ideal_ms) FILTER (WHERE scheduled), 0) END AS ideal_ms,
                       CASE WHEN bool_and(ideal_ms IS NOT NULL OR NOT scheduled)
                           THEN COALESCE(sum(good_ideal_ms) FILTER (WHERE scheduled), 0) END AS good_ideal_ms,
                       COALESCE(sum(ideal_ms) FILTER (WHERE scheduled), 0) AS ideal_ms_sum,
                       COALESCE(sum(good_ideal_ms) FILTER (WHERE scheduled), 0) AS good_ideal_ms_sum,
                       count(*) FILTER (WHERE scheduled AND ideal_ms IS NULL) AS ideal_unknown_minutes
                FROM oee_1m m JOIN organisations o ON o.slug = m.org_slug GROUP BY 1, 2, 3)
            SELECT count(*) AS mismatches
            FROM expected e FULL JOIN %s r USING (org_slug, device_id, bucket_start)
            CROSS JOIN LATERAL oee_ratios_from_sums(e.planned_ms::bigint, e.run_ms::bigint, e.total_count::bigint,
                    e.good_count::bigint, e.ideal_ms, e.good_ideal_ms) x
            WHERE e.planned_ms IS DISTINCT FROM r.planned_ms OR e.run_ms IS DISTINCT FROM r.run_ms
               OR e.total_count IS DISTINCT FROM r.total_count OR e.good_count IS DISTINCT FROM r.good_count
               OR NOT approximately(e.ideal_ms, r.ideal_ms) OR NOT approximately(e.good_ideal_ms, r.good_ideal_ms)
               OR NOT approximately(e.ideal_ms_sum, r.ideal_ms_sum)
               OR NOT approximately(e.good_ideal_ms_sum, r.good_ideal_ms_sum)
               OR e.ideal_unknown_minutes IS DISTINCT FROM r.ideal_unknown_minutes
               OR NOT approximately(x.availability, r.availability) OR NOT approximately(x.performance, r.performance)
               OR NOT approximately(x.quality, r.quality) OR NOT approximately(x.oee, r.oee)
               OR x.performance_above_1 IS DISTINCT FROM r.performance_above_1""";

    /** Each group's hours hold exactly the sums of its members' hours. */
    private static final String GROUP_HOUR_MISMATCHES = """
            WITH expected AS (
                SELECT m.org_slug, m.group_id, h.bucket_start, count(*) AS machines, sum(h.planned_ms) AS planned_ms,
                       sum(h.run_ms) AS run_ms, sum(h.total_count) AS total_count, sum(h.good_count) AS good_count,
                       sum(h.ideal_ms_sum) AS ideal_ms_sum, sum(h.good_ideal_ms_sum) AS good_ideal_ms_sum,
                       sum(h.ideal_unknown_minutes) AS ideal_unknown_minutes
                FROM device_group_members m JOIN oee_1h h USING (org_slug, device_id) GROUP BY 1, 2, 3)
            SELECT count(*) AS mismatches
            FROM expected e FULL JOIN oee_group_1h g USING (org_slug, group_id, bucket_start)
            WHERE e.machines IS DISTINCT FROM g.machines OR e.planned_ms IS DISTINCT FROM g.planned_ms
               OR e.run_ms IS DISTINCT FROM g.run_ms OR e.total_count IS DISTINCT FROM g.total_count
               OR e.good_count IS DISTINCT FROM g.good_count
               OR e.ideal_unknown_minutes IS DISTINCT FROM g.ideal_unknown_minutes
               OR NOT approximately(e.ideal_ms_sum, g.ideal_ms_sum)
               OR NOT approximately(e.good_ideal_ms_sum, g.good_ideal_ms_sum)""";

    @BeforeAll
    static void migrate(TestDatabase database) throws SQLException {
        SchemaMigration.apply(database.jdbcUrl());
        database.execute("""
                CREATE OR REPLACE FUNCTION approximately(a double precision, b double precision) RETURNS boolean
                LANGUAGE sql AS 'SELECT (a IS NULL AND b IS NULL) OR abs(a - b) <= 1e-9 * greatest(1, abs(b))'""");
    }

    @BeforeEach
    void emptyTables(TestDatabase database) throws SQLException {
        database.execute("TRUNCATE oee_1m, oee_1h, oee_1d, oee_group_1h, organisations CASCADE");
        database.execute("INSERT INTO organisations (slug, name, time_zone) VALUES ('berlin', 'Berlin', 'Europe/Berlin')");
        database.execute("INSERT INTO devices (org_slug, device_id, name) SELECT 'berlin', 'press-' || i, 'Press ' || i"
                + " FROM generate_series(0, 2) i");
        database.execute("INSERT INTO device_groups (org_slug, group_id, name) VALUES ('berlin', 'line-1', 'Line 1'),"
                + " ('berlin', 'line-2', 'Line 2'), ('berlin', 'spare', 'Spare')");
        database.execute("INSERT INTO device_group_members VALUES ('berlin', 'line-1', 'press-0'),"
                + " ('berlin', 'line-1', 'press-1'), ('berlin', 'line-2', 'press-1'), ('berlin', 'spare', 'press-2')");
    }

    /** Members join and leave groups, and a group goes, between batches: each group's hours follow its members. */
    @Test
    void randomBatchesWithRewritesRollUpToTheSumsOfTheirMinutes(TestDatabase database) throws SQLException {
        // Three hours around the night Berlin's clocks go forward, so a day of 23 hours is among the roll-ups.
        long first = Instant.parse("2026-03-28T21:30:00Z").toEpochMilli();
        Random random = new Random(20261202);
        Map<String, Minute> last = new LinkedHashMap<>();
        try (Connection connection = database.connect()) {
            for (int batch = 0; batch < 40; batch++) {
                List<Minute> minutes = new ArrayList<>();
                for (int i = random.nextInt(1, 200); i > 0; i--) {
                    Minute minute = Minute.random(random, "press-" + random.nextInt(3),
                            first + random.nextInt(180) * 60_000L);
                    minutes.add(minute);
                    last.put(minute.deviceId() + minute.bucketMs(), minute);
                }
                write(connection, minutes);
                switch (batch) {
                    case 10 -> database.execute("INSERT INTO device_group_members VALUES ('berlin', 'line-2', 'press-2')");
                    case 20 -> database.execute("DELETE FROM device_group_members WHERE device_id = 'press-1'");
                    case 30 -> database.execute("DELETE FROM device_groups WHERE group_id = 'spare'");
                    default -> { }
                }
            }
        }

        assertThat(database.query("SELECT count(*) AS minutes FROM oee_1m"))
                .containsExactly(Map.of("minutes", (long) last.size()));
        assertThat(database.query("SELECT count(*) AS mismatches FROM oee_1m m JOIN (VALUES " + values(last.values())
                + ") AS w(device_id, bucket_ms, run_ms, good_count) ON m.device_id = w.device_id"
                + " AND m.bucket_start = timestamptz 'epoch' + w.bucket_ms * interval '1 millisecond'"
                + " WHERE m.run_ms <> w.run_ms OR m.good_count <> w.good_count"))
                .containsExactly(Map.of("mismatches", 0L));
        assertRollUpsAreTheSumsOfTheirMinutes(database);
    }

    @Test
    void aMinuteTwiceInOneBatchIsWrittenOnceAsItsLastAppearance(TestDatabase database) throws SQLException {
        long minute = Instant.parse("2026-12-01T02:00:00Z").toEpochMilli();
        try (Connection connection = database.connect()) {
            write(connection, List.of(new Minute("press-1", minute, 60_000, 60_000, 10, 9, 1000.0),
                    new Minute("press-1", minute, 60_000, 45_000, 8, 8, null)));
        }

        for (String table : new String[] {"oee_1m", "oee_1h", "oee_1d"}) {
            assertThat(database.query("SELECT run_ms, total_count, good_count, ideal_ms FROM " + table))
                    .as(table).hasSize(1).first().satisfies(row -> {
                        assertThat(row).containsEntry("run_ms", 45_000L).containsEntry("total_count", 8L)
                                .containsEntry("good_count", 8L);
                        assertThat(row.get("ideal_ms")).isNull();
                    });
        }
        assertRollUpsAreTheSumsOfTheirMinutes(database);
    }

    private static void assertRollUpsAreTheSumsOfTheirMinutes(TestDatabase database) throws SQLException {
        assertThat(database.query(GROUP_HOUR_MISMATCHES)).as("oee_group_1h").containsExactly(Map.of("mismatches", 0L));
        assertThat(database.query(ROLL_UP_MISMATCHES.formatted("date_trunc('hour', m.bucket_start, 'UTC')", "oee_1h")))
                .as("oee_1h").containsExactly(Map.of("mismatches", 0L));
        assertThat(database.query(ROLL_UP_MISMATCHES.formatted("date_trunc('day', m.bucket_start, o.time_zone)",
                "oee_1d"))).as("oee_1d").containsExactly(Map.of("mismatches", 0L));
    }

    private static String values(Iterable<Minute> minutes) {
        List<String> rows = new ArrayList<>();
        for (Minute m : minutes) {
            rows.add("('%s', %d, %d, %d)".formatted(m.deviceId(), m.bucketMs(), m.runMs(), m.goodCount()));
        }
        return String.join(", ", rows);
    }

    private static void write(Connection connection, List<Minute> minutes) throws SQLException {
        try (PreparedStatement call = connection.prepareStatement(
                "CALL write_oee_minutes(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            call.setArray(1, array(connection, "text", minutes, m -> "berlin"));
            call.setArray(2, array(connection, "text", minutes, Minute::deviceId));
            call.setArray(3, array(connection, "int8", minutes, Minute::bucketMs));
            call.setArray(4, array(connection, "int8", minutes, Minute::plannedMs));
            call.setArray(5, array(connection, "int8", minutes, Minute::runMs));
            call.setArray(6, array(connection, "int8", minutes, Minute::totalCount));
            call.setArray(7, array(connection, "int8", minutes, Minute::goodCount));
            call.setArray(8, array(connection, "float8", minutes, Minute::idealCycleMs));
            call.setArray(9, array(connection, "float8", minutes, Minute::idealMs));
            call.setArray(10, array(connection, "float8", minutes, Minute::goodIdealMs));
            for (int ratio = 11; ratio <= 14; ratio++) {
                call.setArray(ratio, array(connection, "float8", minutes, m -> 0.5));
            }
            call.setArray(15, array(connection, "bool", minutes, m -> false));
            call.setArray(16, array(connection, "int8", minutes, Minute::plannedMs));
            call.setArray(17, array(connection, "int8", minutes, m -> m.plannedMs() - m.runMs()));
            call.setArray(18, array(connection, "int8", minutes, m -> 0L));
            call.setArray(19, array(connection, "int8", minutes, m -> 0L));
            call.setArray(20, array(connection, "bool", minutes, Minute::scheduled));
            call.setArray(21, array(connection, "int8", minutes, m -> 0L));
            call.execute();
        }
    }

    private static java.sql.Array array(Connection connection, String type, List<Minute> minutes,
                                        Function<Minute, Object> column) throws SQLException {
        return connection.createArrayOf(type, minutes.stream().map(column).toArray());
    }

    /**
     * A minute's components; ideal values null when its ideal cycle time is unknown. An unscheduled minute has no
     * planned or OEE run time, and may have made parts (overtime).
     */
    private record Minute(String deviceId, long bucketMs, long plannedMs, long runMs, long totalCount, long goodCount,
                          Double idealCycleMs, boolean scheduled) {

        Minute(String deviceId, long bucketMs, long plannedMs, long runMs, long totalCount, long goodCount,
               Double idealCycleMs) {
            this(deviceId, bucketMs, plannedMs, runMs, totalCount, goodCount, idealCycleMs, true);
        }

        static Minute random(Random random, String deviceId, long bucketMs) {
            boolean scheduled = random.nextInt(4) > 0;
            long planned = scheduled ? random.nextInt(0, 60_001) : 0;
            long total = random.nextInt(0, 40);
            return new Minute(deviceId, bucketMs, planned, random.nextLong(0, planned + 1), total,
                    random.nextLong(0, total + 1), random.nextInt(5) == 0 ? null : random.nextDouble(200, 2000), scheduled);
        }

        Double idealMs() {
            return idealCycleMs == null ? null : idealCycleMs * totalCount;
        }

        Double goodIdealMs() {
            return idealCycleMs == null ? null : idealCycleMs * goodCount;
        }
    }
}
