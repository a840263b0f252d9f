package io.plantline.bench;

import io.plantline.api.ControlApi;
import io.plantline.embedded.EmbeddedKafkaCluster;
import io.plantline.embedded.EmbeddedPostgresServer;
import io.plantline.embedded.KafkaTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Latency of {@code GET /analytics/losses} over 30 days (issue 32, item 9): a line of 100 machines and one machine of
 * it, closed-loop (throughput) and open-loop at 20 requests/s (p50 / p99), load from a second JVM ({@link HttpLoad}).
 * The plant is written straight into the tables the OEE job writes: every minute of 30 days for each machine
 * ({@code oee_1m}, scheduled 06:00-22:00 UTC), one stop an hour per machine of 1 to 8 whole minutes with its minutes
 * ({@code oee_stop_minutes}), a reason from a catalogue of eight (one stop in nine without one, one in ten classified
 * by an operator): 4.32 million minutes, 72,000 stops and about 324,000 stop minutes.
 *
 *   LossesBenchmark [seconds=15] [clients=8] [jdbc-url: a PostgreSQL to use instead of an embedded one; a plant it
 *   holds from an earlier run of the same day is reused]
 */
public final class LossesBenchmark {

    private static final int MACHINES = 100;
    private static final int DAYS = 30;
    private static final String ORG = "bench";
    private static final int RATE = 20;
    private static final String[][] REASONS = {{"jam", "Jam", "operator"}, {"tool_change", "Tool change", "setup"},
            {"changeover", "Changeover", "setup"}, {"no_material", "Material shortage", "material"},
            {"breakdown", "Breakdown", "breakdown"}, {"electrical", "Electrical fault", "breakdown"},
            {"quality_check", "Quality check", "quality"}, {"cleaning", "Cleaning", "other"}};

    private LossesBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        System.setProperty("logback.configurationFile", "bench-logback.xml");
        Path workDir = Files.createTempDirectory("plantline-losses-bench");
        try (EmbeddedPostgresServer postgres = args.length > 2 ? null : EmbeddedPostgresServer.start(0, workDir.resolve("postgres"), true);
             EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(0, workDir.resolve("kafka"), 1L << 30)) {
            String jdbcUrl = args.length > 2 ? args[2] : postgres.jdbcUrl();
            KafkaTopics.createAll(kafka.bootstrapServers(), 2);
            ControlApi api = ApiBenchmark.startApi(jdbcUrl, kafka.bootstrapServers(), ORG);
            Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
            long loadStart = System.nanoTime();
            String plant = loadPlant(jdbcUrl, today);
            System.out.printf("Loaded in %.0f s: %s%n", (System.nanoTime() - loadStart) / 1e9, plant);
            String base = "http://127.0.0.1:" + api.port() + "/api/v1";
            String token = ApiBenchmark.login(base);
            String range = "from=" + today.minus(DAYS, ChronoUnit.DAYS) + "&to=" + today;
            List<String[]> targets = List.of(
                    new String[] {"`GET /analytics/losses`, line of 100, 30 days", base + "/analytics/losses?groupId=line&" + range},
                    new String[] {"`GET /analytics/losses`, one machine, 30 days", base + "/analytics/losses?deviceId=machine-042&" + range});
            System.out.println("Losses of the line: " + ApiBenchmark.get(targets.get(0)[1], token));
            List<String> rows = new ArrayList<>();
            for (String[] target : targets) {
                Map<String, Double> closed = ApiBenchmark.load(target[1], token, "closed", clients, seconds);
                Map<String, Double> open = ApiBenchmark.load(target[1], token, "open", RATE, seconds);
                rows.add(String.format("| %s | %,.1f | %.0f / %.0f | %d | %.0f / %.0f | %.0f |", target[0], closed.get("rps"),
                        closed.get("p50ms"), closed.get("p99ms"), RATE, open.get("p50ms"), open.get("p99ms"),
                        closed.get("errors") + open.get("errors")));
            }
            System.out.println();
            System.out.printf("%s. %d clients closed-loop for %d s, then %d requests/s open-loop for %d s, each after %d s of"
                    + " unmeasured warm-up; load from a second JVM on the same 2 cores.%n%n", plant, clients, seconds, RATE, seconds,
                    ApiBenchmark.WARMUP_SECONDS);
            System.out.println("| target | requests/s (closed loop) | p50 / p99 ms (closed loop) | fixed rate /s | p50 / p99 ms at that rate | errors |");
            System.out.println("|---|---|---|---|---|---|");
            rows.forEach(System.out::println);
            api.close();
        }
        System.exit(0);
    }

    /** The line's machines, catalogue, minutes and stops, as described above; answers what it wrote. */
    private static String loadPlant(String jdbcUrl, Instant today) throws Exception {
        Instant from = today.minus(DAYS, ChronoUnit.DAYS);
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement sql = connection.createStatement()) {
            try (ResultSet loaded = sql.executeQuery("SELECT min(bucket_start) FROM oee_1m WHERE org_slug = '" + ORG + "'")) {
                if (loaded.next() && loaded.getTimestamp(1) != null) {
                    if (!loaded.getTimestamp(1).toInstant().equals(from)) {
                        throw new IllegalStateException("this database holds another day's plant; give the benchmark an empty one");
                    }
                    return counts(sql) + " (loaded by an earlier run today)";
                }
            }
            for (String table : List.of("oee_1m", "oee_stop_minutes")) {
                sql.execute("SELECT create_partitions('" + table + "', '" + from + "', '" + today.plus(1, ChronoUnit.DAYS) + "')");
            }
            sql.execute("INSERT INTO devices (org_slug, device_id, name) SELECT '" + ORG + "', 'machine-' || lpad(i::text, 3, '0'),"
                    + " 'Machine ' || i FROM generate_series(1, " + MACHINES + ") i");
            sql.execute("INSERT INTO device_groups (org_slug, group_id, name) VALUES ('" + ORG + "', 'line', 'Line 1')");
            sql.execute("INSERT INTO device_group_members SELECT org_slug, 'line', device_id FROM devices WHERE org_slug = '" + ORG + "'");
            for (String[] reason : REASONS) {
                sql.execute("INSERT INTO stop_reasons (org_slug, code, name, category) VALUES ('" + ORG + "', '" + reason[0] + "', '"
                        + reason[1] + "', '" + reason[2] + "')");
            }
            // Each machine-hour h (hours since the range's start) has one stop at minute (h * 7 + machine) % 50 of the hour,
            // (h + machine) % 8 + 1 minutes long; its reason is the catalogue's ((h + 2 * machine) % 9)th, none for the ninth.
            String stopsOfHours = "SELECT d.device_id, b AS hour, (extract(epoch FROM b - timestamptz '" + from + "') / 3600)::int AS h,"
                    + " substr(d.device_id, 9)::int AS machine FROM devices d, generate_series(timestamptz '" + from + "',"
                    + " timestamptz '" + today + "' - interval '1 hour', interval '1 hour') b WHERE d.org_slug = '" + ORG + "'";
            String reasons = "ARRAY['" + String.join("', '", java.util.Arrays.stream(REASONS).map(r -> r[0]).toList()) + "', NULL]";
            sql.execute("CREATE TEMP TABLE bench_stops AS SELECT device_id, hour + ((h * 7 + machine) % 50) * interval '1 minute'"
                    + " AS started_at, (h + machine) % 8 + 1 AS minutes, (" + reasons + ")[(h + 2 * machine) % 9 + 1] AS reason,"
                    + " (h + machine) % 10 = 0 AS classified FROM (" + stopsOfHours + ") s");
            sql.execute("INSERT INTO stops (org_slug, device_id, started_at, state, device_reason, ended_at)"
                    + " SELECT '" + ORG + "', device_id, started_at, CASE WHEN reason = 'breakdown' THEN 'DOWN' ELSE 'IDLE' END, reason,"
                    + " started_at + minutes * interval '1 minute' FROM bench_stops");
            sql.execute("INSERT INTO stop_classifications (org_slug, device_id, stop_started_at, reason_code, comment, classified_by)"
                    + " SELECT '" + ORG + "', device_id, started_at, 'changeover', 'bench', '" + ApiBenchmark.ADMIN + "' FROM bench_stops WHERE classified");
            sql.execute("INSERT INTO oee_stop_minutes (org_slug, device_id, bucket_start, stop_started_at, ms)"
                    + " SELECT '" + ORG + "', device_id, started_at + i * interval '1 minute', started_at, 60000"
                    + " FROM bench_stops, generate_series(0, minutes - 1) i");
            // The minutes follow the stops' formula above rather than a join with them (4.32 million probes).
            sql.execute("INSERT INTO oee_1m (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count,"
                    + " ideal_cycle_ms, ideal_ms, good_ideal_ms, known_ms, idle_ms, down_ms, planned_stop_ms, scheduled, unscheduled_run_ms)"
                    + " SELECT '" + ORG + "', s.device_id, m, CASE WHEN sch THEN 60000 ELSE 0 END,"
                    + " CASE WHEN sch AND NOT stopped THEN 60000 ELSE 0 END, c.total, c.good, 2000, 2000.0 * c.total, 2000.0 * c.good,"
                    + " 60000, CASE WHEN stopped AND NOT down THEN 60000 ELSE 0 END, CASE WHEN down THEN 60000 ELSE 0 END, 0, sch,"
                    + " CASE WHEN NOT sch AND NOT stopped THEN 60000 ELSE 0 END"
                    + " FROM (" + stopsOfHours + ") s CROSS JOIN generate_series(0, 59) i"
                    + " CROSS JOIN LATERAL (SELECT s.hour + i * interval '1 minute' AS m,"
                    + "   extract(hour FROM s.hour AT TIME ZONE 'UTC') BETWEEN 6 AND 21 AS sch,"
                    + "   i >= (s.h * 7 + s.machine) % 50 AND i < (s.h * 7 + s.machine) % 50 + (s.h + s.machine) % 8 + 1 AS stopped,"
                    + "   (s.h + 2 * s.machine) % 9 = 4 AS breakdown) f"
                    + " CROSS JOIN LATERAL (SELECT stopped AND breakdown AS down, CASE WHEN stopped THEN 0 ELSE 28 END AS total,"
                    + "   CASE WHEN stopped THEN 0 ELSE 27 END AS good) c");
            sql.execute("ANALYZE");
            return counts(sql);
        }
    }

    private static String counts(Statement sql) throws Exception {
        try (ResultSet counts = sql.executeQuery("SELECT (SELECT count(*) FROM oee_1m), (SELECT count(*) FROM stops),"
                + " (SELECT count(*) FROM oee_stop_minutes)")) {
            counts.next();
            return String.format("%d machines x %d days: %,d minutes, %,d stops, %,d stop minutes", MACHINES, DAYS,
                    counts.getLong(1), counts.getLong(2), counts.getLong(3));
        }
    }
}
