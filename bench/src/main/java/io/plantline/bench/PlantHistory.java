package io.plantline.bench;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * A plant's history generated and loaded with COPY, streamed from memory day by day into the partitioned KPI tables:
 * every machine's metrics by minute ({@code telemetry_1m}) with their hours and days ({@code telemetry_1h},
 * {@code telemetry_1d}, the exact pooled statistics the roll-up procedure keeps), the machines' OEE minutes
 * ({@code oee_1m}) with their hours and days, and four 15-minute down stops a machine a day ({@code stops}, the
 * minutes they cover down in {@code oee_1m}). The organisation's zone is UTC, so its days are UTC days. Several
 * connections load days newest first, each day in one transaction, and a day already loaded is skipped: a load cut
 * short leaves the newest days whole, which a smaller run (fewer days) can use, and a second run completes it.
 */
final class PlantHistory {

    static final String ORG = "history";
    static final String[] METRICS = {"temperature", "pressure", "vibration", "spindle_speed", "power"};
    static final int MACHINES_PER_LINE = 20;
    private static final int READINGS_PER_MINUTE = 12;
    private static final int MINUTES_PER_DAY = 1_440;
    private static final double IDEAL_CYCLE_MS = 2_000;
    private static final int STOP_MINUTES = 15;
    /** More than the cores: the database's work per row waits on I/O as well as the CPU. */
    private static final int LOADERS = 3;
    private static final String TELEMETRY_ROLL_UP_COLUMNS = "org_slug, device_id, metric, bucket_start, count, min,"
            + " max, avg, stddev, reference, deviation_sum, squared_deviation_sum";

    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:00+00")
            .withZone(ZoneOffset.UTC);

    private final String jdbcUrl;
    private final int machines;
    private final Instant firstDay;
    private final int days;

    PlantHistory(String jdbcUrl, int machines, Instant firstDay, int days) {
        this.jdbcUrl = jdbcUrl;
        this.machines = machines;
        this.firstDay = firstDay;
        this.days = days;
    }

    static String machine(int index) {
        return String.format("m-%03d", index);
    }

    /** How create_partitions names a day's partition after the table's name and {@code _p}. */
    static String partitionSuffix(Instant day) {
        return DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC).format(day);
    }

    static String line(int index) {
        return String.format("line-%02d", index);
    }

    /** The organisation (UTC), its machines and their lines of {@value #MACHINES_PER_LINE}, without history. */
    void createPlant(Statement sql) throws SQLException {
        sql.execute("INSERT INTO organisations (slug, name, time_zone) VALUES ('" + ORG + "', 'History plant', 'UTC')"
                + " ON CONFLICT DO NOTHING");
        sql.execute("INSERT INTO devices (org_slug, device_id, name, ideal_cycle_schedule) SELECT '" + ORG
                + "', 'm-' || lpad(i::text, 3, '0'), 'Machine ' || i,"
                + " '[{\"effectiveFrom\": \"2000-01-01T00:00:00Z\", \"idealCycleSeconds\": 2}]'"
                + " FROM generate_series(0, " + (machines - 1) + ") i ON CONFLICT DO NOTHING");
        sql.execute("INSERT INTO device_groups (org_slug, group_id, name) SELECT '" + ORG
                + "', 'line-' || lpad(i::text, 2, '0'), 'Line ' || i FROM generate_series(0, "
                + ((machines - 1) / MACHINES_PER_LINE) + ") i ON CONFLICT DO NOTHING");
    }

    /**
     * Puts each machine in its line. Done after the OEE hours are loaded: a member's hours are added to its group's
     * pre-summed hours ({@code oee_group_1h}) when it joins, as for a line made today over machines with a history.
     */
    void joinLines(Statement sql) throws SQLException {
        sql.execute("INSERT INTO device_group_members SELECT org_slug, 'line-' || lpad((substr(device_id, 3)::int / "
                + MACHINES_PER_LINE + ")::text, 2, '0'), device_id FROM devices WHERE org_slug = '" + ORG + "'"
                + " ON CONFLICT DO NOTHING");
    }

    /** Makes every partition of the KPI tables from the first day to {@code until}, as the API's maintenance would. */
    void createPartitions(Statement sql, Instant until) throws SQLException {
        sql.execute("SELECT create_partitions(table_name, '" + firstDay + "', '" + until + "') FROM partitioned_tables");
    }

    /** The days not loaded yet, newest first. */
    List<Instant> missingDays(Statement sql) throws SQLException {
        List<Instant> missing = new ArrayList<>();
        for (int day = days - 1; day >= 0; day--) {
            Instant start = firstDay.plus(day, ChronoUnit.DAYS);
            try (ResultSet loaded = sql.executeQuery("SELECT 1 FROM telemetry_1d WHERE org_slug = '" + ORG
                    + "' AND bucket_start = '" + start + "' LIMIT 1")) {
                if (!loaded.next()) {
                    missing.add(start);
                }
            }
        }
        return missing;
    }

    /**
     * Loads these days; returns the rows loaded. The machines leave their lines first and join again after
     * ({@link #joinLines}), so the lines' pre-summed hours count the new days too.
     */
    long load(Statement sql, List<Instant> missing) throws Exception {
        sql.execute("DELETE FROM device_group_members WHERE org_slug = '" + ORG + "'");
        AtomicInteger nextDay = new AtomicInteger();
        ExecutorService loaders = Executors.newFixedThreadPool(LOADERS);
        List<Future<Long>> done = new ArrayList<>();
        for (int i = 0; i < LOADERS; i++) {
            done.add(loaders.submit(() -> {
                long rows = 0;
                try (Connection connection = DriverManager.getConnection(jdbcUrl)) {
                    connection.setAutoCommit(false);
                    try (Statement session = connection.createStatement()) {
                        // A benchmark's load: a crash loses the run, not data anyone needs.
                        session.execute("SET synchronous_commit = off");
                    }
                    for (int day = nextDay.getAndIncrement(); day < missing.size(); day = nextDay.getAndIncrement()) {
                        rows += loadDay(connection, missing.get(day));
                        connection.commit();
                        System.out.printf("loaded %s (%d of %d)%n", missing.get(day), day + 1, missing.size());
                    }
                }
                return rows;
            }));
        }
        loaders.shutdown();
        long rows = 0;
        for (Future<Long> loader : done) {
            rows += loader.get();
        }
        return rows;
    }

    private long loadDay(Connection connection, Instant day) throws SQLException {
        PGConnection pg = connection.unwrap(PGConnection.class);
        String[] minutes = new String[MINUTES_PER_DAY];
        for (int m = 0; m < MINUTES_PER_DAY; m++) {
            minutes[m] = MINUTE.format(day.plus(m, ChronoUnit.MINUTES));
        }
        SplittableRandom random = new SplittableRandom(day.getEpochSecond());
        StringBuilder hours = new StringBuilder();
        StringBuilder days = new StringBuilder();
        long rows = 0;
        try (CopyStream copy = new CopyStream(pg.getCopyAPI().copyIn("COPY telemetry_1m (org_slug, device_id, metric,"
                + " bucket_start, count, min, max, avg, stddev) FROM STDIN"))) {
            double[] avg = new double[MINUTES_PER_DAY];
            double[] stddev = new double[MINUTES_PER_DAY];
            for (int machine = 0; machine < machines; machine++) {
                for (int metric = 0; metric < METRICS.length; metric++) {
                    String series = ORG + '\t' + machine(machine) + '\t' + METRICS[metric] + '\t';
                    double base = 20 + 15 * metric + machine % 7;
                    for (int m = 0; m < MINUTES_PER_DAY; m++) {
                        avg[m] = base + 3 * Math.sin(2 * Math.PI * m / MINUTES_PER_DAY + machine) + random.nextDouble();
                        stddev[m] = 0.2 + 0.3 * random.nextDouble();
                        copy.line().append(series).append(minutes[m]).append('\t').append(READINGS_PER_MINUTE)
                                .append('\t').append(avg[m] - 2 * stddev[m]).append('\t').append(avg[m] + 2 * stddev[m])
                                .append('\t').append(avg[m]).append('\t').append(stddev[m]).append('\n');
                        rows++;
                    }
                    for (int hour = 0; hour < 24; hour++) {
                        rollUp(hours, series, minutes[hour * 60], avg, stddev, hour * 60, 60);
                    }
                    rollUp(days, series, minutes[0], avg, stddev, 0, MINUTES_PER_DAY);
                }
            }
        }
        rows += copyAll(pg, "telemetry_1h", TELEMETRY_ROLL_UP_COLUMNS, hours);
        rows += copyAll(pg, "telemetry_1d", TELEMETRY_ROLL_UP_COLUMNS, days);
        return rows + loadOee(pg, day, minutes, random);
    }

    /**
     * One roll-up row of minutes [first, first + length) about the mean of their means, as V35's backfill makes it:
     * the sums of n(a - r) and n s^2 + n (a - r)^2, the mean and pooled standard deviation from them.
     */
    private static void rollUp(StringBuilder out, String series, String start, double[] avg, double[] stddev,
                               int first, int length) {
        double reference = 0;
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (int m = first; m < first + length; m++) {
            reference += avg[m] / length;
            min = Math.min(min, avg[m] - 2 * stddev[m]);
            max = Math.max(max, avg[m] + 2 * stddev[m]);
        }
        double deviation = 0;
        double squared = 0;
        for (int m = first; m < first + length; m++) {
            double d = avg[m] - reference;
            deviation += READINGS_PER_MINUTE * d;
            squared += READINGS_PER_MINUTE * (stddev[m] * stddev[m] + d * d);
        }
        long count = (long) READINGS_PER_MINUTE * length;
        double mean = Math.min(max, Math.max(min, reference + deviation / count));
        double pooled = Math.sqrt(Math.max(squared - deviation * deviation / count, 0) / count);
        out.append(series).append(start).append('\t').append(count).append('\t').append(min).append('\t').append(max)
                .append('\t').append(mean).append('\t').append(pooled).append('\t').append(reference).append('\t')
                .append(deviation).append('\t').append(squared).append('\n');
    }

    /**
     * Each machine's OEE minutes: running at about its ideal rate with a few scrap parts, except in its four daily
     * stops (hours 2, 8, 14 and 20, offset by machine), which are down; their hours and day as sums of the minutes.
     */
    private long loadOee(PGConnection pg, Instant day, String[] minutes, SplittableRandom random) throws SQLException {
        StringBuilder hours = new StringBuilder();
        StringBuilder days = new StringBuilder();
        StringBuilder stops = new StringBuilder();
        long rows = 0;
        try (CopyStream copy = new CopyStream(pg.getCopyAPI().copyIn("COPY oee_1m (org_slug, device_id, bucket_start,"
                + " planned_ms, run_ms, total_count, good_count, ideal_cycle_ms, ideal_ms, good_ideal_ms, availability,"
                + " performance, quality, oee, known_ms, idle_ms, down_ms, planned_stop_ms, scheduled,"
                + " unscheduled_run_ms) FROM STDIN"))) {
            for (int machine = 0; machine < machines; machine++) {
                String series = ORG + '\t' + machine(machine) + '\t';
                int stopOffset = machine % 45;
                OeeSums daySums = new OeeSums();
                OeeSums hourSums = new OeeSums();
                for (int m = 0; m < MINUTES_PER_DAY; m++) {
                    int hour = m / 60;
                    boolean down = hour % 6 == 2 && m % 60 >= stopOffset && m % 60 < stopOffset + STOP_MINUTES;
                    if (down && m % 60 == stopOffset) {
                        stops.append(series).append(minutes[m]).append("\tDOWN\t")
                                .append(minutes[m + STOP_MINUTES]).append('\n');
                    }
                    long run = down ? 0 : 60_000;
                    long total = down ? 0 : 29 + random.nextInt(2);
                    long good = total - (total > 0 && random.nextInt(10) == 0 ? 1 : 0);
                    double ideal = total * IDEAL_CYCLE_MS;
                    double goodIdeal = good * IDEAL_CYCLE_MS;
                    copy.line().append(series).append(minutes[m]).append("\t60000\t").append(run).append('\t')
                            .append(total).append('\t').append(good).append('\t').append(IDEAL_CYCLE_MS).append('\t')
                            .append(ideal).append('\t').append(goodIdeal).append('\t');
                    ratios(copy.line(), 60_000, run, total, good, ideal);
                    copy.line().append("\t60000\t0\t").append(60_000 - run).append("\t0\tt\t0\n");
                    rows++;
                    hourSums.add(run, total, good, ideal, goodIdeal);
                    daySums.add(run, total, good, ideal, goodIdeal);
                    if (m % 60 == 59) {
                        hourSums.append(hours, series, minutes[m - 59]);
                        hourSums = new OeeSums();
                    }
                }
                daySums.append(days, series, minutes[0]);
            }
        }
        rows += copyAll(pg, "oee_1h", OeeSums.COLUMNS, hours);
        rows += copyAll(pg, "oee_1d", OeeSums.COLUMNS, days);
        return rows + copyAll(pg, "stops", "org_slug, device_id, started_at, state, ended_at", stops);
    }

    /** availability, performance, quality and OEE, tab-separated; \N where a denominator is 0. */
    private static void ratios(StringBuilder out, long planned, long run, long total, long good, double ideal) {
        if (run == 0 || total == 0) {
            out.append(planned == 0 ? "\\N" : "0").append("\t\\N\t\\N\t").append(planned == 0 ? "\\N" : "0");
            return;
        }
        double availability = (double) run / planned;
        double performance = ideal / run;
        double quality = (double) good / total;
        out.append(availability).append('\t').append(performance).append('\t').append(quality).append('\t')
                .append(availability * performance * quality);
    }

    /** The sums of an OEE hour or day, as a COPY line of {@link #COLUMNS}. */
    private static final class OeeSums {
        static final String COLUMNS = "org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count,"
                + " availability, performance, quality, oee, ideal_ms_sum, good_ideal_ms_sum, ideal_unknown_minutes";
        private long planned;
        private long run;
        private long total;
        private long good;
        private double ideal;
        private double goodIdeal;

        void add(long minuteRun, long minuteTotal, long minuteGood, double minuteIdeal, double minuteGoodIdeal) {
            planned += 60_000;
            run += minuteRun;
            total += minuteTotal;
            good += minuteGood;
            ideal += minuteIdeal;
            goodIdeal += minuteGoodIdeal;
        }

        void append(StringBuilder out, String series, String start) {
            out.append(series).append(start).append('\t').append(planned).append('\t').append(run).append('\t')
                    .append(total).append('\t').append(good).append('\t');
            ratios(out, planned, run, total, good, ideal);
            out.append('\t').append(ideal).append('\t').append(goodIdeal).append("\t0\n");
        }
    }

    private static long copyAll(PGConnection pg, String table, String columns, CharSequence lines) throws SQLException {
        try {
            return pg.getCopyAPI().copyIn("COPY " + table + " (" + columns + ") FROM STDIN",
                    new StringReader(lines.toString()));
        } catch (IOException e) {
            throw new SQLException("COPY into " + table + " failed", e);
        }
    }

    /** A COPY fed line by line from a buffer sent whenever it holds about a megabyte. */
    private static final class CopyStream implements AutoCloseable {
        private static final int FLUSH_CHARS = 1 << 20;
        private final CopyIn copy;
        private final StringBuilder buffer = new StringBuilder(FLUSH_CHARS + 4096);

        CopyStream(CopyIn copy) {
            this.copy = copy;
        }

        /** The buffer to append a line to; what it held is sent first if it is full. */
        StringBuilder line() throws SQLException {
            if (buffer.length() >= FLUSH_CHARS) {
                send();
            }
            return buffer;
        }

        private void send() throws SQLException {
            byte[] bytes = buffer.toString().getBytes(StandardCharsets.UTF_8);
            copy.writeToCopy(bytes, 0, bytes.length);
            buffer.setLength(0);
        }

        @Override
        public void close() throws SQLException {
            send();
            copy.endCopy();
        }
    }
}
