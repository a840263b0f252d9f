package io.plantline.bench;

import io.plantline.api.ControlApi;
import io.plantline.api.kpis.Granularity;
import io.plantline.api.kpis.KpiQueries;
import io.plantline.config.JdbcAddress;
import io.plantline.embedded.EmbeddedKafkaCluster;
import io.plantline.embedded.KafkaTopics;
import io.plantline.pipeline.aggregation.TelemetryMinute;
import io.plantline.pipeline.aggregation.TelemetryMinutesTable;
import io.plantline.pipeline.oee.MinuteTimes;
import io.plantline.pipeline.oee.OeeComponents;
import io.plantline.pipeline.oee.OeeMinute;
import io.plantline.pipeline.oee.OeeMinutesTable;
import io.plantline.pipeline.sink.PostgresTable;
import io.plantline.sql.SchemaMigration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Years of data on one PostgreSQL (issue 33): a plant's history ({@link PlantHistory}) loaded into its own database,
 * then, in one run: the control API's range queries of 1 day, 30 days and 1 year for a machine and a line at a fixed
 * open-loop rate (p50, p99, from a second JVM: {@link HttpLoad}); the jobs' sink rate through their own writers'
 * statements ({@link TelemetryMinutesTable}, {@link OeeMinutesTable}) into the full tables and into a second database
 * with the same plant and partitions but no history, alternately; bytes on disk per machine-day; and the time to drop
 * a day's minute partitions as the API's retention does ({@code drop_partitions_before}), last, since it drops the
 * oldest days. A database whose history is already loaded at this scale is reused.
 *
 *   HistoryBenchmark [days=90] [machines=200] [rounds=3] [seconds=20] [jdbc-url]
 *
 * {@code rounds=0} only loads; {@code seconds=0} leaves out the API's queries.
 */
public final class HistoryBenchmark {

    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/plantline_history?user=postgres";
    private static final String EMPTY_SUFFIX = "_empty";
    private static final int RATE = 20;
    /** The rows the job's writer sends in one transaction (PostgresWriter.BATCH_SIZE). */
    private static final int WRITER_BATCH = 2_000;
    private static final int SINK_MINUTES_PER_ROUND = 30;
    private static final Duration TARGET_P99 = Duration.ofMillis(100);
    private static final double TARGET_SINK_RATIO = 0.8;
    private static final Duration TARGET_DROP = Duration.ofSeconds(1);
    private static final List<String> MINUTE_TABLES = List.of("telemetry_1m", "oee_1m");

    private final int days;
    private final int machines;
    private final int rounds;
    private final int seconds;
    private final String fullUrl;
    private final String emptyUrl;
    private final Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
    private final Instant firstDay;

    private HistoryBenchmark(int days, int machines, int rounds, int seconds, String fullUrl) {
        this.days = days;
        this.machines = machines;
        this.rounds = rounds;
        this.seconds = seconds;
        this.fullUrl = fullUrl;
        this.emptyUrl = withDatabase(fullUrl, databaseName(fullUrl) + EMPTY_SUFFIX);
        this.firstDay = today.minus(days, ChronoUnit.DAYS);
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("logback.configurationFile", "bench-logback.xml");
        HistoryBenchmark benchmark = new HistoryBenchmark(argument(args, 0, 90), argument(args, 1, 200),
                argument(args, 2, 3), argument(args, 3, 20), args.length > 4 ? args[4] : DEFAULT_URL);
        benchmark.run(args);
        System.exit(0);
    }

    private static int argument(String[] args, int index, int otherwise) {
        return args.length > index ? Integer.parseInt(args[index]) : otherwise;
    }

    private void run(String[] args) throws Exception {
        System.out.printf("%n`bench/history.sh %s`, run %s, load average at start %s.%n", String.join(" ", args),
                Instant.now().truncatedTo(ChronoUnit.SECONDS), loadAverage());
        String loaded = prepare(fullUrl, true);
        prepare(emptyUrl, false);
        if (rounds == 0) {
            System.out.println(loaded + "; rounds=0: nothing measured.");
            return;
        }
        System.out.printf("%n%s: %,d days x %,d machines x %d metrics (%s to %s) in `%s`; the same plant and partitions"
                        + " without history in `%s`.%n", loaded, days, machines, PlantHistory.METRICS.length, firstDay,
                today, databaseName(fullUrl), databaseName(emptyUrl));
        rowCounts();
        if (seconds > 0) {
            queries();
        }
        sink();
        bytesOnDisk();
        drops();
        System.out.printf("%nLoad average at end %s.%n", loadAverage());
    }

    /** Creates the database if missing, migrates it, and makes its plant (with history if {@code full}). */
    private String prepare(String url, boolean full) throws Exception {
        try (Connection server = DriverManager.getConnection(withDatabase(url, "postgres"));
             Statement sql = server.createStatement();
             ResultSet exists = sql.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + databaseName(url) + "'")) {
            if (!exists.next()) {
                sql.execute("CREATE DATABASE " + databaseName(url));
            }
        }
        SchemaMigration.apply(url);
        PlantHistory plant = new PlantHistory(url, machines, firstDay, days);
        try (Connection connection = DriverManager.getConnection(url); Statement sql = connection.createStatement()) {
            plant.createPlant(sql);
            plant.createPartitions(sql, today.plus(1, ChronoUnit.DAYS));
            String verdict = "Reused the history loaded before";
            List<Instant> missing = full ? plant.missingDays(sql) : List.of();
            if (!missing.isEmpty()) {
                long start = System.nanoTime();
                long rows = plant.load(sql, missing);
                double loadSeconds = BenchStack.seconds(start);
                verdict = String.format(Locale.ROOT, "Loaded %d days, %,d rows, with COPY in %.0f s (%,.0f rows/s)",
                        missing.size(), rows, loadSeconds, rows / loadSeconds);
            }
            plant.joinLines(sql);
            // Autovacuum analyses the partitions but never a partitioned table; after a load, once (minutes, loaded).
            if (!missing.isEmpty() || !full) {
                sql.execute("ANALYZE");
            }
            return verdict;
        }
    }

    private void rowCounts() throws SQLException {
        try (Connection connection = DriverManager.getConnection(fullUrl); Statement sql = connection.createStatement()) {
            System.out.println();
            System.out.println("| table | rows (estimate) |");
            System.out.println("|---|---|");
            for (String table : List.of("telemetry_1m", "telemetry_1h", "telemetry_1d", "oee_1m", "oee_1h", "oee_1d",
                    "oee_group_1h", "stops")) {
                System.out.printf("| `%s` | %,d |%n", table, count(sql, "SELECT sum(c.reltuples)::bigint FROM pg_class c"
                        + " WHERE c.relkind = 'r' AND (c.oid = '" + table + "'::regclass OR c.oid IN"
                        + " (SELECT inhrelid FROM pg_inherits WHERE inhparent = '" + table + "'::regclass))"));
            }
        }
    }

    /** A range query: its name in the table, its path and query string, and the SQL the API runs for it. */
    private record Query(String name, String path, KpiQueries.Query sql) {
    }

    /** The API's range queries at {@value #RATE}/s open-loop, each {@code rounds} times; medians of p50 and p99. */
    private void queries() throws Exception {
        Path workDir = Files.createTempDirectory("plantline-history-bench");
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(0, workDir.resolve("kafka"), 1L << 30)) {
            KafkaTopics.createAll(kafka.bootstrapServers(), 2);
            ControlApi api = ApiBenchmark.startApi(fullUrl, kafka.bootstrapServers(), PlantHistory.ORG);
            String base = "http://127.0.0.1:" + api.port() + "/api/v1";
            String token = ApiBenchmark.login(base);
            String machine = "deviceId=" + PlantHistory.machine(0);
            String line = "groupId=" + PlantHistory.line(0);
            List<Query> queries = new ArrayList<>();
            KpiQueries.Scope machineScope = new KpiQueries.Scope(PlantHistory.ORG, Optional.of(PlantHistory.machine(0)),
                    Optional.empty());
            KpiQueries.Scope lineScope = new KpiQueries.Scope(PlantHistory.ORG, Optional.empty(),
                    Optional.of(PlantHistory.line(0)));
            for (Granularity size : List.of(Granularity.MINUTE, Granularity.HOUR, Granularity.DAY)) {
                int rangeDays = switch (size) {
                    case MINUTE -> 1;
                    case HOUR -> 30;
                    case DAY -> 365;
                };
                String range = rangeDays == 365 ? "1 year" : rangeDays == 1 ? "1 day" : rangeDays + " days";
                Instant from = today.minus(rangeDays, ChronoUnit.DAYS);
                String fromTo = "&granularity=" + size.wireName + "&from=" + from + "&to=" + today;
                queries.add(new Query("`/telemetry`, a machine's metric, " + range + " by " + size.wireName,
                        "/telemetry?" + machine + "&metric=temperature" + fromTo.replace("granularity", "resolution"),
                        KpiQueries.telemetry(machineScope, Optional.of("temperature"), size, from, today)));
                queries.add(new Query("`/analytics/oee`, a machine, " + range + " by " + size.wireName,
                        "/analytics/oee?" + machine + fromTo, KpiQueries.oee(machineScope, size, from, today)));
                queries.add(new Query("`/analytics/oee`, a line of " + Math.min(machines, PlantHistory.MACHINES_PER_LINE)
                        + ", " + range + " by " + size.wireName, "/analytics/oee?" + line + fromTo,
                        KpiQueries.oee(lineScope, size, from, today)));
            }
            for (Query query : queries) {
                String answer = ApiBenchmark.get(base + query.path(), token);
                System.out.printf("%s: %,d bytes, %s...%n", query.path(), answer.length(),
                        answer.substring(0, Math.min(160, answer.length())));
            }
            Map<Query, List<Double>> p50 = new LinkedHashMap<>();
            Map<Query, List<Double>> p99 = new LinkedHashMap<>();
            double errors = 0;
            for (int round = 0; round < rounds; round++) {
                for (Query query : queries) {
                    Map<String, Double> figures = ApiBenchmark.load(base + query.path(), token, "open", RATE, seconds);
                    p50.computeIfAbsent(query, q -> new ArrayList<>()).add(figures.get("p50ms"));
                    p99.computeIfAbsent(query, q -> new ArrayList<>()).add(figures.get("p99ms"));
                    errors += figures.get("errors");
                }
            }
            System.out.printf("%nRange queries at %d requests/s open-loop for %d s after %d s of warm-up, %d rounds"
                    + " (medians; p99 spread over rounds); %s errors. The 1-year ranges hold the %d days loaded.%n%n",
                    RATE, seconds, ApiBenchmark.WARMUP_SECONDS, rounds, (long) errors, days);
            System.out.println("| query | p50 ms | p99 ms | p99 spread ms | p99 < " + TARGET_P99.toMillis() + " ms |");
            System.out.println("|---|---|---|---|---|");
            for (Query query : queries) {
                double median99 = Stats.median(p99.get(query));
                System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f-%.1f | %s |%n", query.name(),
                        Stats.median(p50.get(query)), median99, Stats.min(p99.get(query)), Stats.max(p99.get(query)),
                        median99 < TARGET_P99.toMillis() ? "yes" : "**no**");
            }
            api.close();
            for (Query query : queries) {
                if (Stats.median(p99.get(query)) >= TARGET_P99.toMillis()) {
                    explain(query);
                }
            }
        }
    }

    /** The plan of the query's SQL with its time and buffers, run once more after the load. */
    private void explain(Query query) throws SQLException {
        try (Connection connection = DriverManager.getConnection(fullUrl);
             PreparedStatement explain = connection.prepareStatement("EXPLAIN (ANALYZE, BUFFERS) " + query.sql().sql())) {
            Object[] parameters = query.sql().parameters();
            for (int i = 0; i < parameters.length; i++) {
                explain.setObject(i + 1, parameters[i] instanceof Instant instant
                        ? PostgresTable.timestamp(instant.toEpochMilli()) : parameters[i]);
            }
            System.out.printf("%n%s missed the target; `EXPLAIN (ANALYZE, BUFFERS)` of its SQL:%n%n```%n", query.name());
            try (ResultSet plan = explain.executeQuery()) {
                while (plan.next()) {
                    System.out.println(plan.getString(1));
                }
            }
            System.out.println("```");
        }
    }

    /**
     * Minute rows per second through each job's writer statement, in batches of the writer's size, each batch one
     * transaction: the next {@value #SINK_MINUTES_PER_ROUND} minutes of today of every machine, into the full and the
     * empty database in turn (which goes first alternates by round).
     */
    private void sink() throws SQLException {
        PostgresTable<TelemetryMinute> telemetryFull = TelemetryMinutesTable.table(JdbcAddress.of(fullUrl));
        PostgresTable<OeeMinute> oeeFull = OeeMinutesTable.table(JdbcAddress.of(fullUrl));
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            long firstMinute = today.toEpochMilli() + (long) round * SINK_MINUTES_PER_ROUND * 60_000;
            List<TelemetryMinute> telemetry = telemetryMinutes(firstMinute);
            List<OeeMinute> oee = oeeMinutes(firstMinute);
            for (int turn = 0; turn < 2; turn++) {
                boolean full = (round + turn) % 2 == 0;
                String url = full ? fullUrl : emptyUrl;
                String which = full ? "full" : "empty";
                rates.computeIfAbsent("telemetry " + which, k -> new ArrayList<>())
                        .add(write(url, telemetryFull, telemetry));
                rates.computeIfAbsent("oee " + which, k -> new ArrayList<>()).add(write(url, oeeFull, oee));
            }
        }
        System.out.printf("%nSink: %d rounds of %d minutes of every machine (%,d telemetry and %,d OEE minute rows a"
                        + " round) through the jobs' writer statements (`%s`, `write_oee_minutes`) in batches of %,d,"
                        + " into the full and the empty database in turn.%n%n", rounds, SINK_MINUTES_PER_ROUND,
                (long) SINK_MINUTES_PER_ROUND * machines * PlantHistory.METRICS.length,
                (long) SINK_MINUTES_PER_ROUND * machines, "write_telemetry_minutes", WRITER_BATCH);
        System.out.println("| writer | full tables, rows/s | empty tables, rows/s | full / empty (median of rounds) |"
                + " >= " + TARGET_SINK_RATIO + " |");
        System.out.println("|---|---|---|---|---|");
        for (String writer : List.of("telemetry", "oee")) {
            List<Double> full = rates.get(writer + " full");
            List<Double> empty = rates.get(writer + " empty");
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < full.size(); i++) {
                ratios.add(full.get(i) / empty.get(i));
            }
            double ratio = Stats.median(ratios);
            System.out.printf(Locale.ROOT, "| `%s` | %,.0f (%,.0f-%,.0f) | %,.0f (%,.0f-%,.0f) | %.2f (%.2f-%.2f) | %s |%n",
                    writer.equals("oee") ? "write_oee_minutes" : "write_telemetry_minutes", Stats.median(full),
                    Stats.min(full), Stats.max(full), Stats.median(empty), Stats.min(empty), Stats.max(empty), ratio,
                    Stats.min(ratios), Stats.max(ratios), ratio >= TARGET_SINK_RATIO ? "yes" : "**no**");
        }
    }

    private List<TelemetryMinute> telemetryMinutes(long firstMinute) {
        List<TelemetryMinute> rows = new ArrayList<>();
        for (int minute = 0; minute < SINK_MINUTES_PER_ROUND; minute++) {
            for (int machine = 0; machine < machines; machine++) {
                for (String metric : PlantHistory.METRICS) {
                    double avg = 40 + machine % 7 + minute % 5;
                    rows.add(new TelemetryMinute(PlantHistory.ORG, PlantHistory.machine(machine), metric,
                            firstMinute + minute * 60_000L, 12, avg - 1, avg + 1, avg, 0.4));
                }
            }
        }
        return rows;
    }

    private List<OeeMinute> oeeMinutes(long firstMinute) {
        List<OeeMinute> rows = new ArrayList<>();
        for (int minute = 0; minute < SINK_MINUTES_PER_ROUND; minute++) {
            for (int machine = 0; machine < machines; machine++) {
                int good = 29 - machine % 3;
                rows.add(new OeeMinute(PlantHistory.ORG, PlantHistory.machine(machine), firstMinute + minute * 60_000L,
                        new MinuteTimes(60_000, 60_000, 0, 0, 0, true),
                        new OeeComponents(60_000, 60_000, 30, good, 30 * 2_000.0, good * 2_000.0, true), 2_000.0,
                        List.of()));
            }
        }
        return rows;
    }

    /** Rows per second through the table's statement, a transaction per batch as the job's writer commits them. */
    private static <T> double write(String url, PostgresTable<T> table, List<T> rows) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url);
             PreparedStatement statement = connection.prepareStatement(table.statement())) {
            connection.setAutoCommit(false);
            long start = System.nanoTime();
            for (int from = 0; from < rows.size(); from += WRITER_BATCH) {
                table.writes().write(statement, rows.subList(from, Math.min(rows.size(), from + WRITER_BATCH)));
                connection.commit();
            }
            return rows.size() / BenchStack.seconds(start);
        }
    }

    /**
     * Bytes on disk (heap, indexes, TOAST) per machine and day: a middle day's minute partitions over the machines,
     * and the roll-up tables over the days loaded and the machines.
     */
    private void bytesOnDisk() throws SQLException {
        String day = PlantHistory.partitionSuffix(firstDay.plus(days / 2, ChronoUnit.DAYS));
        try (Connection connection = DriverManager.getConnection(fullUrl); Statement sql = connection.createStatement()) {
            System.out.printf("%nBytes on disk per machine-day (`pg_total_relation_size`: heap, indexes, TOAST):%n%n");
            System.out.println("| tables | bytes per machine-day |");
            System.out.println("|---|---|");
            long total = 0;
            for (String table : MINUTE_TABLES) {
                long bytes = count(sql, "SELECT pg_total_relation_size('" + table + "_p" + day + "')") / machines;
                total += bytes;
                System.out.printf("| `%s_p%s` / %d machines | %,d |%n", table, day, machines, bytes);
            }
            long rollUps = count(sql, "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent"
                    + " IN ('telemetry_1h'::regclass, 'telemetry_1d'::regclass, 'oee_1h'::regclass,"
                    + " 'oee_1d'::regclass, 'oee_group_1h'::regclass)") / ((long) days * machines);
            System.out.printf("| `telemetry_1h`, `telemetry_1d`, `oee_1h`, `oee_1d`, `oee_group_1h` / %d days /"
                    + " %d machines | %,d |%n", days, machines, rollUps);
            System.out.printf("| all | %,d |%n", total + rollUps);
        }
    }

    /** Drops the oldest day's minute partitions one table at a time, {@code rounds} days, timing each statement. */
    private void drops() throws SQLException {
        Map<String, List<Double>> millis = new LinkedHashMap<>();
        try (Connection connection = DriverManager.getConnection(fullUrl)) {
            Instant oldest;
            try (Statement sql = connection.createStatement()) {
                // The oldest day with minutes: the partitions before it are empty (made again by this run's start
                // after an earlier run dropped them, or by a longer run's load) and go first, untimed.
                oldest = Instant.ofEpochSecond(count(sql, "SELECT extract(epoch FROM date_trunc('day', min(bucket_start),"
                        + " 'UTC'))::bigint FROM telemetry_1m WHERE org_slug = '" + PlantHistory.ORG + "'"));
                for (String table : MINUTE_TABLES) {
                    sql.execute("SELECT drop_partitions_before('" + table + "', '" + oldest + "')");
                }
            }
            for (int round = 0; round < Math.min(rounds, days); round++) {
                Instant horizon = oldest.plus(round + 1, ChronoUnit.DAYS);
                for (String table : MINUTE_TABLES) {
                    try (PreparedStatement drop = connection.prepareStatement("SELECT drop_partitions_before(?, ?)")) {
                        drop.setString(1, table);
                        drop.setObject(2, PostgresTable.timestamp(horizon.toEpochMilli()));
                        long start = System.nanoTime();
                        int dropped = 0;
                        try (ResultSet names = drop.executeQuery()) {
                            while (names.next()) {
                                dropped++;
                            }
                        }
                        double ms = BenchStack.seconds(start) * 1000;
                        if (dropped != 1) {
                            throw new IllegalStateException("dropped " + dropped + " partitions of " + table);
                        }
                        millis.computeIfAbsent(table, t -> new ArrayList<>()).add(ms);
                    }
                }
            }
        }
        System.out.printf("%nDropping the oldest day's partition (`drop_partitions_before`, autocommit, the API"
                + " running), %d days in turn:%n%n", Math.min(rounds, days));
        System.out.println("| table | ms (median) | spread ms | < " + TARGET_DROP.toMillis() + " ms |");
        System.out.println("|---|---|---|---|");
        millis.forEach((table, values) -> System.out.printf(Locale.ROOT, "| `%s` | %.1f | %.1f-%.1f | %s |%n", table,
                Stats.median(values), Stats.min(values), Stats.max(values),
                Stats.median(values) < TARGET_DROP.toMillis() ? "yes" : "**no**"));
    }

    private static long count(Statement sql, String query) throws SQLException {
        try (ResultSet rows = sql.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String databaseName(String url) {
        return url.replaceFirst("^jdbc:postgresql://[^/]+/([^?]+).*$", "$1");
    }

    private static String withDatabase(String url, String database) {
        return url.replaceFirst("^(jdbc:postgresql://[^/]+/)[^?]+", "$1" + database);
    }
}
