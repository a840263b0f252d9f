package io.plantline.bench;

import io.plantline.api.ApiOptions;
import io.plantline.api.ControlApi;
import io.plantline.embedded.EmbeddedKafkaCluster;
import io.plantline.embedded.EmbeddedPostgresServer;
import io.plantline.embedded.KafkaTopics;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import spark.Service;

/**
 * Latency and throughput of the control API from a second process ({@link HttpLoad}), beside a bare sparkjava
 * endpoint in the same server JVM answering the same bytes as the device read, in one run:
 * {@code GET /devices/{id}}, the 30-day OEE of a group of 100 machines by day and by hour, and the bare endpoint.
 * Each is measured closed-loop (throughput) and open-loop at a fixed rate (p50 / p99). The per-user rate limit is
 * raised for the run, since one benchmark user would otherwise be held to 100 requests a minute.
 *
 *   ApiBenchmark [seconds=15] [clients=8] [rate=500]
 */
public final class ApiBenchmark {

    private static final int MACHINES = 100;
    private static final int DAYS = 30;
    private static final String ORG = "bench";
    static final String ADMIN = "admin@bench.local";
    static final String PASSWORD = "benchmark password";
    static final int WARMUP_SECONDS = 5;

    private record Target(String name, String url, int openRate) {
    }

    private ApiBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        System.setProperty("logback.configurationFile", "bench-logback.xml");
        Path workDir = Files.createTempDirectory("plantline-api-bench");
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(0, workDir.resolve("postgres"), true);
             EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(0, workDir.resolve("kafka"), 1L << 30)) {
            KafkaTopics.createAll(kafka.bootstrapServers(), 2);
            ControlApi api = startApi(postgres.jdbcUrl(), kafka.bootstrapServers(), ORG);
            Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
            loadPlant(postgres.jdbcUrl(), today);
            String base = "http://127.0.0.1:" + api.port() + "/api/v1";
            String token = login(base);
            String deviceUrl = base + "/devices/machine-042";
            String range = "from=" + today.minus(DAYS, ChronoUnit.DAYS) + "&to=" + today;
            String deviceJson = get(deviceUrl, token);
            Service bare = Service.ignite().port(0);
            bare.get("/bare", (request, response) -> {
                response.type("application/json");
                return deviceJson;
            });
            bare.awaitInitialization();

            // The open-loop rate of each target is one it can sustain: past its capacity, latency only measures the queue.
            List<Target> targets = List.of(
                    new Target("bare sparkjava endpoint (same bytes as the device read)", "http://127.0.0.1:" + bare.port() + "/bare", rate),
                    new Target("`GET /devices/{id}`", deviceUrl, rate),
                    new Target("`GET /analytics/oee`, group of 100, 30 days by day", base + "/analytics/oee?groupId=all&granularity=1d&" + range, 100),
                    new Target("`GET /analytics/oee`, group of 100, 30 days by hour", base + "/analytics/oee?groupId=all&granularity=1h&" + range, 20));
            System.out.println("OEE answer, 30 days by day: " + get(base + "/analytics/oee?groupId=all&granularity=1d&" + range, token)
                    .substring(0, 200) + "...");

            List<String> rows = new ArrayList<>();
            double bareRate = 0;
            for (Target target : targets) {
                Map<String, Double> closed = load(target.url(), token, "closed", clients, seconds);
                Map<String, Double> open = load(target.url(), token, "open", target.openRate(), seconds);
                if (bareRate == 0) {
                    bareRate = closed.get("rps");
                }
                rows.add(String.format("| %s | %,.0f | %.2f | %.2f / %.2f | %d | %.2f / %.2f | %.0f |", target.name(), closed.get("rps"),
                        closed.get("rps") / bareRate, closed.get("p50ms"), closed.get("p99ms"), target.openRate(),
                        open.get("p50ms"), open.get("p99ms"), closed.get("errors") + open.get("errors")));
            }
            System.out.println();
            System.out.printf("%d clients closed-loop for %d s, then a fixed rate open-loop for %d s, each after %d s of"
                    + " unmeasured warm-up; load from a second JVM on the same 2 cores.%n%n", clients, seconds, seconds, WARMUP_SECONDS);
            System.out.println("| target | requests/s | ratio to bare | p50 / p99 ms (closed loop) | fixed rate /s | p50 / p99 ms"
                    + " at that rate | errors |");
            System.out.println("|---|---|---|---|---|---|---|");
            rows.forEach(System.out::println);
            bare.stop();
            api.close();
        }
        System.exit(0);
    }

    /** 100 machines in one group, with 30 days of hourly and daily OEE roll-ups (the minutes are not read). */
    private static void loadPlant(String jdbcUrl, Instant today) throws Exception {
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement sql = connection.createStatement()) {
            sql.execute("INSERT INTO devices (org_slug, device_id, name, ideal_cycle_schedule) SELECT '" + ORG
                    + "', 'machine-' || lpad(i::text, 3, '0'), 'Machine ' || i,"
                    + " '[{\"effectiveFrom\": \"2000-01-01T00:00:00Z\", \"idealCycleSeconds\": 2}]'"
                    + " FROM generate_series(1, " + MACHINES + ") i");
            for (String[] table : new String[][] {{"oee_1h", "1 hour", "3600000"}, {"oee_1d", "1 day", "86400000"}}) {
                sql.execute("INSERT INTO " + table[0] + " (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count,"
                        + " ideal_ms_sum, good_ideal_ms_sum) SELECT d.org_slug, d.device_id, b, " + table[2] + ", " + table[2] + " * 0.8,"
                        + " " + table[2] + " / 2500, " + table[2] + " / 2600, (" + table[2] + " / 2500) * 2000.0, (" + table[2]
                        + " / 2600) * 2000.0 FROM devices d, generate_series(timestamptz '" + today + "' - interval '" + DAYS
                        + " days', timestamptz '" + today + "' - interval '" + table[1] + "', interval '" + table[1] + "') b"
                        + " WHERE d.org_slug = '" + ORG + "'");
            }
            // Members join after their history exists, so the group's pre-summed hours are built as for a group made today.
            sql.execute("INSERT INTO device_groups (org_slug, group_id, name) VALUES ('" + ORG + "', 'all', 'All machines')");
            sql.execute("INSERT INTO device_group_members SELECT org_slug, 'all', device_id FROM devices WHERE org_slug = '" + ORG + "'");
            sql.execute("ANALYZE");
        }
    }

    static Map<String, Double> load(String url, String token, String mode, int n, int seconds) throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), HttpLoad.class.getName(), url, token, mode, Integer.toString(n),
                Integer.toString(seconds), Integer.toString(WARMUP_SECONDS)).redirectErrorStream(true).start();
        String result = "";
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("requests=")) {
                    result = line;
                }
            }
        }
        process.waitFor();
        Map<String, Double> figures = new java.util.HashMap<>();
        for (String pair : result.split(" ")) {
            String[] parts = pair.split("=");
            figures.put(parts[0], Double.parseDouble(parts[1]));
        }
        System.out.println(mode + " " + n + " " + url.replaceFirst(".*/api/v1", "") + ": " + result);
        return figures;
    }

    /**
     * A control API on this database with the per-user and per-address rate limits raised for a benchmark's load (one
     * benchmark user would otherwise be held to 100 requests a minute), and {@code org}'s admin, who {@link #login}s.
     */
    static ControlApi startApi(String jdbcUrl, String kafkaBootstrap, String org) throws Exception {
        ControlApi api = ControlApi.start(ApiOptions.parse(new String[] {"--port=0", "--user-requests-per-minute=1000000",
                "--address-requests-per-minute=10000000", "--jwt-secret=benchmark-secret-of-at-least-32-bytes"}, Map.of())
                .connectedTo(0, jdbcUrl, kafkaBootstrap), Clock.systemUTC());
        api.ensureAdmin(new ApiOptions.BootstrapAdmin(org, ADMIN, PASSWORD));
        return api;
    }

    static String login(String base) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/auth/login"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"" + ADMIN + "\",\"password\":\"" + PASSWORD + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        return body.replaceFirst(".*\"accessToken\":\"([^\"]+)\".*", "$1");
    }

    static String get(String url, String token) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
