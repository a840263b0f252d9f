package io.plantline.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import java.math.BigDecimal;
import java.math.MathContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code write_telemetry_minutes} (V35): after random batches of minutes with late rewrites, every row of
 * {@code telemetry_1h} and {@code telemetry_1d} holds the statistics of all readings of its minutes (count, min, max,
 * mean, population standard deviation), computed here exactly from the readings themselves; days are cut at midnight
 * in each organisation's zone across a daylight-saving change and in a zone half an hour off UTC.
 */
@ExtendWith(PostgresExtension.class)
class TelemetryRollUpTest {

    /**
     * Mean and standard deviation within this many times the readings' magnitude (max |x|, at least 1) of the exact
     * values, the precision the minutes' own double statistics carry. Measured with this test's seed: at most 1.5e-16
     * for the mean and 5e-17 for the standard deviation (1.5e-10 of the deviation itself for the pressure, whose
     * spread is two millionths of its offset).
     */
    static final double TOLERANCE = 1e-12;
    private static final MathContext EXACT = MathContext.DECIMAL128;
    private static final Map<String, ZoneId> ZONES = Map.of("berlin", ZoneId.of("Europe/Berlin"),
            "kolkata", ZoneId.of("Asia/Kolkata"), "unregistered", ZoneId.of("UTC"));

    @BeforeAll
    static void migrate(TestDatabase database) {
        SchemaMigration.apply(database.jdbcUrl());
    }

    @BeforeEach
    void emptyTables(TestDatabase database) throws SQLException {
        database.execute("TRUNCATE telemetry_1m, telemetry_1h, telemetry_1d, organisations CASCADE");
        database.execute("INSERT INTO organisations (slug, name, time_zone) VALUES ('berlin', 'Berlin', 'Europe/Berlin'),"
                + " ('kolkata', 'Kolkata', 'Asia/Kolkata')");
    }

    @Test
    void randomMinutesWithLateRewritesRollUpToTheStatisticsOfTheirReadings(TestDatabase database) throws SQLException {
        // 50 hours around the night Berlin's clocks go forward (2026-03-29), so a day of 23 hours is among the days.
        long first = Instant.parse("2026-03-28T18:00:00Z").toEpochMilli();
        Random random = new Random(20261207);
        Map<MinuteKey, double[]> readings = new LinkedHashMap<>();
        List<MinuteKey> written = new ArrayList<>();
        try (Connection connection = database.connect()) {
            for (int batch = 0; batch < 30; batch++) {
                List<Minute> minutes = new ArrayList<>();
                for (int i = random.nextInt(1, 300); i > 0; i--) {
                    MinuteKey key;
                    double[] values;
                    if (!written.isEmpty() && random.nextInt(4) == 0) {
                        key = written.get(random.nextInt(written.size()));
                        // Mostly what the job does (late readings join the minute), sometimes a minute written anew
                        // with other readings (a replay, a fix by SQL), which may raise its minimum or lower its maximum.
                        values = random.nextInt(3) == 0 ? MinuteKey.readings(key.metric(), random)
                                : joined(readings.get(key), MinuteKey.readings(key.metric(), random));
                    } else {
                        key = MinuteKey.random(random, first);
                        values = MinuteKey.readings(key.metric(), random);
                        written.add(key);
                    }
                    readings.put(key, values);
                    minutes.add(Minute.of(key, values));
                }
                write(connection, minutes);
            }
        }

        assertRollUpsHoldTheStatisticsOf(database, readings);
    }

    @Test
    void aMinuteWhoseRewriteRaisesTheHoursMinimumTakesTheNextLowestMinute(TestDatabase database) throws SQLException {
        long hour = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
        MinuteKey low = new MinuteKey("berlin", "press-1", "temperature", hour);
        MinuteKey other = new MinuteKey("berlin", "press-1", "temperature", hour + 60_000);
        Map<MinuteKey, double[]> readings = new LinkedHashMap<>();
        readings.put(low, new double[] {10, 90});
        readings.put(other, new double[] {40, 50});
        try (Connection connection = database.connect()) {
            write(connection, List.of(Minute.of(low, readings.get(low)), Minute.of(other, readings.get(other))));
            readings.put(low, new double[] {45, 46});
            write(connection, List.of(Minute.of(low, readings.get(low))));
        }

        assertThat(database.query("SELECT min, max, count FROM telemetry_1h"))
                .containsExactly(Map.of("min", 40.0, "max", 50.0, "count", 4L));
        assertRollUpsHoldTheStatisticsOf(database, readings);
    }

    @Test
    void migrationRollsUpTheMinutesAlreadyStored(TestDatabase database) throws SQLException {
        database.execute("DROP SCHEMA " + database.schema() + " CASCADE");
        database.execute("CREATE SCHEMA " + database.schema());
        Flyway.configure().dataSource(database.jdbcUrl(), null, null).locations(SchemaMigration.LOCATION).target("32")
                .load().migrate();
        database.execute("INSERT INTO organisations (slug, name, time_zone) VALUES ('berlin', 'Berlin', 'Europe/Berlin'),"
                + " ('kolkata', 'Kolkata', 'Asia/Kolkata')");
        long first = Instant.parse("2026-10-24T20:00:00Z").toEpochMilli();   // Berlin's clocks go back on the 25th
        Random random = new Random(35);
        Map<MinuteKey, double[]> readings = new HashMap<>();
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 2_000; i++) {
            MinuteKey key = MinuteKey.random(random, first);
            if (readings.containsKey(key)) {
                continue;
            }
            readings.put(key, MinuteKey.readings(key.metric(), random));
            Minute m = Minute.of(key, readings.get(key));
            rows.append(rows.isEmpty() ? "" : ", ").append("('%s', '%s', '%s', '%s', %d, %s, %s, %s, %s)".formatted(
                    key.orgSlug(), key.deviceId(), key.metric(), Instant.ofEpochMilli(key.bucketMs()), m.count(),
                    m.min(), m.max(), m.avg(), m.stddev()));
        }
        database.execute("INSERT INTO telemetry_1m (org_slug, device_id, metric, bucket_start, count, min, max, avg,"
                + " stddev) VALUES " + rows);

        SchemaMigration.apply(database.jdbcUrl());

        assertRollUpsHoldTheStatisticsOf(database, readings);
    }

    private static void assertRollUpsHoldTheStatisticsOf(TestDatabase database, Map<MinuteKey, double[]> readings)
            throws SQLException {
        Map<RollUpKey, List<double[]>> hours = new HashMap<>();
        Map<RollUpKey, List<double[]>> days = new HashMap<>();
        readings.forEach((key, values) -> {
            Instant minute = Instant.ofEpochMilli(key.bucketMs());
            hours.computeIfAbsent(key.rollUp(minute.truncatedTo(ChronoUnit.HOURS)), k -> new ArrayList<>()).add(values);
            Instant day = minute.atZone(ZONES.get(key.orgSlug())).truncatedTo(ChronoUnit.DAYS).toInstant();
            days.computeIfAbsent(key.rollUp(day), k -> new ArrayList<>()).add(values);
        });
        assertTable(database, "telemetry_1h", hours);
        assertTable(database, "telemetry_1d", days);
    }

    private static void assertTable(TestDatabase database, String table, Map<RollUpKey, List<double[]>> expected)
            throws SQLException {
        Map<RollUpKey, Statistics> stored = new HashMap<>();
        try (Connection connection = database.connect();
             ResultSet rows = connection.createStatement().executeQuery(
                     "SELECT org_slug, device_id, metric, bucket_start, count, min, max, avg, stddev FROM " + table)) {
            while (rows.next()) {
                stored.put(new RollUpKey(rows.getString(1), rows.getString(2), rows.getString(3),
                                rows.getTimestamp(4).toInstant()),
                        new Statistics(rows.getLong(5), rows.getDouble(6), rows.getDouble(7), rows.getDouble(8),
                                rows.getDouble(9)));
            }
        }
        assertThat(stored.keySet()).as(table).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((key, minutes) -> {
            Statistics exact = Statistics.of(minutes);
            Statistics row = stored.get(key);
            double scale = Math.max(1, Math.max(Math.abs(exact.min()), Math.abs(exact.max())));
            assertThat(row.count()).as(table + " " + key).isEqualTo(exact.count());
            assertThat(row.min()).as(table + " " + key).isEqualTo(exact.min());
            assertThat(row.max()).as(table + " " + key).isEqualTo(exact.max());
            assertThat(Math.abs(row.avg() - exact.avg())).as(table + " mean " + key).isLessThanOrEqualTo(TOLERANCE * scale);
            assertThat(Math.abs(row.stddev() - exact.stddev())).as(table + " stddev " + key)
                    .isLessThanOrEqualTo(TOLERANCE * scale);
        });
    }

    private static double[] joined(double[] a, double[] b) {
        double[] all = new double[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static void write(Connection connection, List<Minute> minutes) throws SQLException {
        try (PreparedStatement call = connection.prepareStatement("CALL write_telemetry_minutes(?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            call.setArray(1, array(connection, "text", minutes, m -> m.key().orgSlug()));
            call.setArray(2, array(connection, "text", minutes, m -> m.key().deviceId()));
            call.setArray(3, array(connection, "text", minutes, m -> m.key().metric()));
            call.setArray(4, array(connection, "int8", minutes, m -> m.key().bucketMs()));
            call.setArray(5, array(connection, "int8", minutes, Minute::count));
            call.setArray(6, array(connection, "float8", minutes, Minute::min));
            call.setArray(7, array(connection, "float8", minutes, Minute::max));
            call.setArray(8, array(connection, "float8", minutes, Minute::avg));
            call.setArray(9, array(connection, "float8", minutes, Minute::stddev));
            call.execute();
        }
    }

    private static java.sql.Array array(Connection connection, String type, List<Minute> minutes,
                                        Function<Minute, Object> column) throws SQLException {
        return connection.createArrayOf(type, minutes.stream().map(column).toArray());
    }

    private record MinuteKey(String orgSlug, String deviceId, String metric, long bucketMs) {

        private static final String[] ORGS = {"berlin", "kolkata", "unregistered"};

        static MinuteKey random(Random random, long first) {
            return new MinuteKey(ORGS[random.nextInt(ORGS.length)], "press-" + random.nextInt(2),
                    random.nextBoolean() ? "temperature" : "line_pressure", first + random.nextInt(50 * 60) * 60_000L);
        }

        /** A temperature around 60 spread by 5; a pressure around 101,325 Pa spread by 0.05 (a large offset). */
        static double[] readings(String metric, Random random) {
            double[] values = new double[random.nextInt(1, 20)];
            for (int i = 0; i < values.length; i++) {
                values[i] = metric.equals("temperature") ? 60 + 5 * random.nextGaussian()
                        : 101_325 + 0.05 * random.nextGaussian();
            }
            return values;
        }

        RollUpKey rollUp(Instant bucketStart) {
            return new RollUpKey(orgSlug, deviceId, metric, bucketStart);
        }
    }

    private record RollUpKey(String orgSlug, String deviceId, String metric, Instant bucketStart) {
    }

    /** A minute's row as the job writes it: the statistics of its readings, rounded to doubles. */
    private record Minute(MinuteKey key, long count, double min, double max, double avg, double stddev) {
        static Minute of(MinuteKey key, double[] readings) {
            Statistics s = Statistics.of(List.of(readings));
            return new Minute(key, s.count(), s.min(), s.max(), s.avg(), s.stddev());
        }
    }

    /** Count, min, max, mean and population standard deviation, computed exactly in decimal and rounded once. */
    private record Statistics(long count, double min, double max, double avg, double stddev) {
        static Statistics of(List<double[]> minutes) {
            long n = 0;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            BigDecimal sum = BigDecimal.ZERO;
            for (double[] values : minutes) {
                for (double value : values) {
                    n++;
                    min = Math.min(min, value);
                    max = Math.max(max, value);
                    sum = sum.add(new BigDecimal(value));
                }
            }
            BigDecimal mean = sum.divide(BigDecimal.valueOf(n), EXACT);
            BigDecimal squares = BigDecimal.ZERO;
            for (double[] values : minutes) {
                for (double value : values) {
                    BigDecimal deviation = new BigDecimal(value).subtract(mean);
                    squares = squares.add(deviation.multiply(deviation));
                }
            }
            return new Statistics(n, min, max, mean.doubleValue(),
                    squares.divide(BigDecimal.valueOf(n), EXACT).sqrt(EXACT).doubleValue());
        }
    }
}
