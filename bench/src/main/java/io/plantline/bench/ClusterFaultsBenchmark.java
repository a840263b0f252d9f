package io.plantline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.plantline.cluster.ProcessCluster;
import io.plantline.cluster.ProcessCluster.Service;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Issue 29, item 2: cluster mode's faults, one after the other, on {@link ProcessCluster} (every component an OS
 * process, started from compose's files). The plant simulator publishes at a steady rate in a process of its own and
 * logs what Mosquitto acknowledged; three machines get a scripted temperature breach. Killed with {@code kill -9} in
 * turn: a TaskManager, the broker leading the most partitions, a bridge, a control API, the JobManager (a new one
 * started), PostgreSQL (restarted), Mosquitto (restarted); each component compose restarts ({@code unless-stopped})
 * is started again once the rest has recovered. Per fault: the seconds until every job is RUNNING with a checkpoint
 * completed since, until every job stored rows again, until a bridge forwards again, and what {@code /health} and
 * {@code /api/v1/jobs} answered meanwhile. At the end every acknowledged reading and part must be counted exactly
 * once per device, metric and minute, each breach must have opened exactly one alert, and what was lost is
 * attributed to the fault it happened in (only Mosquitto's kill may lose: it persists on an interval).
 *
 * <pre>java -cp bench.jar io.plantline.bench.ClusterFaultsBenchmark ROOT [machines=20]</pre>
 */
public final class ClusterFaultsBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> JOBS = List.of("telemetry-analytics", "oee", "device-lifecycle");
    private static final Duration RECOVERY_LIMIT = Duration.ofMinutes(5);
    private static final int[] BREACHES = {3, 7, 12};

    private final ProcessCluster cluster;
    private final Path work;
    private final int machines;
    private final List<FaultResult> results = new ArrayList<>();
    private String token;

    private record FaultResult(String fault, Instant killed, Instant recovered, double runningS, double rowsS,
                               double forwardingS, Set<String> health, Set<String> jobs) {
    }

    private ClusterFaultsBenchmark(ProcessCluster cluster, Path work, int machines) {
        this.cluster = cluster;
        this.work = work;
        this.machines = machines;
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]).toAbsolutePath();
        int machines = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Path work = Files.createTempDirectory("plantline-cluster-faults");
        System.err.println("cluster-faults: working in " + work);
        long started = System.nanoTime();
        int status;
        try (ProcessCluster cluster = ProcessCluster.start(ProcessCluster.Options.of(root, work, true), null)) {
            System.err.printf("cluster-faults: cluster up in %.0f s%n", (System.nanoTime() - started) / 1e9);
            status = new ClusterFaultsBenchmark(cluster, work, machines).run();
        }
        System.exit(status);
    }

    private int run() throws Exception {
        login();
        registerPlant();
        Path ackLog = work.resolve("acknowledged.log");
        Process simulator = cluster.startSimulator(machines, 1000, ackLog);
        awaitSteady();
        Instant from = Instant.now();

        ProcessCluster.command(simulator, "breach " + BREACHES[0] + " 60");
        fault("TaskManager", () -> cluster.flink().killTaskManager(), () -> {
            cluster.flink().startTaskManager();
            cluster.flink().awaitTaskManagers(2, Duration.ofSeconds(180));
        });
        int broker = cluster.kafka().leaderOfMostPartitions("factory.telemetry");
        fault("Kafka broker " + broker + " (leads the most partitions)", () -> cluster.kafka().kill(broker),
                () -> cluster.kafka().startBroker(broker));
        Service bridge = cluster.bridges().get(0);
        fault("bridge", () -> cluster.kill(bridge), () -> {
            cluster.restart(bridge);
            cluster.awaitUp(bridge, "/health", body -> body.contains("\"UP\""));
        });
        Service api = cluster.apis().get(0);
        fault("control API", () -> cluster.kill(api), () -> {
            cluster.restart(api);
            cluster.awaitUp(api, "/api/v1/health", body -> body.contains("\"database\":\"up\""));
        });
        ProcessCluster.command(simulator, "breach " + BREACHES[1] + " 60");
        fault("JobManager (a new one started)", () -> {
            cluster.flink().killJobManager();
            cluster.flink().startJobManager();
        }, () -> { });
        ProcessCluster.command(simulator, "breach " + BREACHES[2] + " 60");
        fault("PostgreSQL (restarted)", () -> {
            cluster.postgres().kill();
            cluster.postgres().restart();
        }, () -> { });
        fault("Mosquitto (restarted)", () -> {
            cluster.mosquitto().kill();
            cluster.mosquitto().restart();
        }, () -> { });

        // Two more minutes of readings, then every minute that has closed must be counted.
        Instant until = Instant.now().plus(Duration.ofMinutes(2)).truncatedTo(ChronoUnit.MINUTES);
        awaitTime(until.plusSeconds(5));
        Counts acknowledged = acknowledged(ackLog, until);
        Counts counted = awaitCounted(acknowledged, until);
        Map<String, Long> alerts = alerts();
        simulator.destroy();
        simulator.waitFor();
        return report(from, until, acknowledged, counted, alerts);
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    /** One fault: the kill, the recovery measured, then the component back as compose would restart it. */
    private void fault(String name, Step kill, Step restart) throws Exception {
        System.err.println("cluster-faults: kill -9 of " + name);
        login();            // an access token lives 15 minutes; a run lasts longer
        Instant killed = Instant.now();
        Service observer = cluster.apis().get(1);
        kill.run();
        Set<String> health = new LinkedHashSet<>();
        Set<String> jobs = new LinkedHashSet<>();
        Map<String, Long> forwarded = forwardedPerBridge();
        double running = -1;
        double rows = -1;
        double forwarding = -1;
        long deadline = System.nanoTime() + RECOVERY_LIMIT.toNanos();
        while (System.nanoTime() < deadline && (running < 0 || rows < 0 || forwarding < 0)) {
            double seconds = Duration.between(killed, Instant.now()).toMillis() / 1000.0;
            health.add(observe(observer, "/api/v1/health"));
            jobs.add(jobsSaid(observer));
            if (running < 0 && everyJobRunningWithACheckpointSince(killed)) {
                running = seconds;
            }
            if (rows < 0 && everyJobStoredRowsSince(killed)) {
                rows = seconds;
            }
            Map<String, Long> now = forwardedPerBridge();
            if (forwarding < 0 && now.entrySet().stream().anyMatch(bridge ->
                    bridge.getValue() > forwarded.getOrDefault(bridge.getKey(), Long.MAX_VALUE))) {
                forwarding = seconds;
            }
            forwarded.putAll(now);
            Thread.sleep(1000);
        }
        Instant recovered = Instant.now();
        restart.run();
        results.add(new FaultResult(name, killed, recovered, running, rows, forwarding, health, jobs));
        System.err.printf("cluster-faults: %s -> jobs RUNNING %.1f s, rows %.1f s, forwarding %.1f s%n", name, running,
                rows, forwarding);
        awaitSteady();
    }

    /** Until every job runs, has checkpointed and stored rows within the last 30 s, and a bridge forwards. */
    private void awaitSteady() throws Exception {
        Instant since = Instant.now();
        long deadline = System.nanoTime() + RECOVERY_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (everyJobRunningWithACheckpointSince(since) && everyJobStoredRowsSince(since.minusSeconds(30))) {
                return;
            }
            Thread.sleep(1000);
        }
        // Measured and reported as it is: the next fault starts on a cluster that has not recovered.
        System.err.println("cluster-faults: the cluster did not settle within " + RECOVERY_LIMIT + "; see " + work);
    }

    private boolean everyJobRunningWithACheckpointSince(Instant since) {
        try {
            Map<String, String> running = new TreeMap<>();
            for (JsonNode job : cluster.submitJobs().jobs()) {
                if (job.get("state").asText().equals("RUNNING")) {
                    running.put(job.get("name").asText(), job.get("jid").asText());
                }
            }
            if (!running.keySet().containsAll(JOBS)) {
                return false;
            }
            for (String id : running.values()) {
                long latest = cluster.submitJobs().get("/jobs/" + id + "/checkpoints").at("/latest/completed/latest_ack_timestamp")
                        .asLong(0);
                if (latest < since.toEpochMilli()) {
                    return false;
                }
            }
            return true;
        } catch (Exception unreachable) {
            return false;
        }
    }

    /** Whether each job stored rows after {@code since} ({@code table_writes}, what {@code /api/v1/jobs} reads). */
    private boolean everyJobStoredRowsSince(Instant since) {
        try (Connection connection = connect();
             PreparedStatement query = connection.prepareStatement(
                     "SELECT count(DISTINCT job) FROM table_writes WHERE last_write_at > ? AND job = ANY (?)")) {
            query.setObject(1, since.atOffset(java.time.ZoneOffset.UTC));
            query.setArray(2, connection.createArrayOf("text", new String[] {"telemetry-analytics", "oee"}));
            try (ResultSet row = query.executeQuery()) {
                row.next();
                return row.getInt(1) == 2;
            }
        } catch (Exception unreachable) {
            return false;
        }
    }

    private Map<String, Long> forwardedPerBridge() {
        Map<String, Long> forwarded = new TreeMap<>();
        for (Service bridge : cluster.bridges()) {
            try {
                forwarded.put(bridge.name(), JSON.readTree(cluster.get(bridge, "/health").substring(4)).path("forwarded").asLong());
            } catch (Exception down) {
                // a killed bridge answers nothing
            }
        }
        return forwarded;
    }

    /** What an API said: status and body, shortened. */
    private String observe(Service api, String path) {
        try {
            return withoutRequestId(cluster.get(api, path));
        } catch (Exception e) {
            return "no answer (" + e.getClass().getSimpleName() + ")";
        }
    }

    /** {@code /api/v1/jobs} in short: per job its state, whether processing, and the problem it names. */
    private String jobsSaid(Service api) {
        try {
            String answer = cluster.get(api, "/api/v1/jobs", "Authorization", "Bearer " + token);
            String status = answer.substring(0, 3);
            if (!status.equals("200")) {
                return withoutRequestId(answer);
            }
            List<String> jobs = new ArrayList<>();
            for (JsonNode job : JSON.readTree(answer.substring(4)).path("data")) {
                jobs.add(job.path("name").asText() + " " + job.path("state").asText()
                        + (job.path("processing").asBoolean() ? "" : " (" + job.path("problem").asText() + ")"));
            }
            return "200 " + String.join("; ", jobs);
        } catch (Exception e) {
            return "no answer (" + e.getClass().getSimpleName() + ")";
        }
    }

    /** An answer with its request id left out, so that equal answers count once. */
    private static String withoutRequestId(String answer) {
        return answer.replaceAll(",?\"requestId\":\"[^\"]*\"", "").replaceAll("\\s+", " ");
    }

    private void login() throws Exception {
        String answer = post("/api/v1/auth/login", Map.of("email", ProcessCluster.ADMIN_EMAIL, "password",
                ProcessCluster.SECRETS.get("PLANTLINE_ADMIN_PASSWORD")), false);
        token = JSON.readTree(answer).at("/data/accessToken").asText();
    }

    /** The machines (through the API, which publishes their settings to the jobs) and the overheat rule. */
    private void registerPlant() throws Exception {
        int width = Math.max(2, Integer.toString(machines).length());
        for (int i = 1; i <= machines; i++) {
            post("/api/v1/devices", Map.of("deviceId", String.format("machine-%0" + width + "d", i),
                    "idealCycleSeconds", 2, "effectiveFrom", "2020-01-01T00:00:00Z"), true);
        }
        post("/api/v1/rules", Map.of("ruleId", "overheat", "name", "Overheating", "scope",
                Map.of("type", "ORGANISATION"), "metric", "temperature", "operator", ">", "threshold", 90,
                "forSeconds", 10, "clearThreshold", 85, "severity", "MAJOR"), true);
        // The bridges reload their device registry every 2 s; a machine they do not know yet is dead-lettered.
        Thread.sleep(6_000);
    }

    private String post(String path, Object body, boolean authorised) throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                        + cluster.apis().get(1).port() + path))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (authorised) {
            request.header("Authorization", "Bearer " + token);
        }
        var response = java.net.http.HttpClient.newHttpClient().send(request.build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException("POST " + path + ": " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    /** Readings per device, metric and minute; parts (total, good) per device and minute. */
    private record Counts(Map<String, Long> readings, Map<String, Long> parts) {
    }

    /** What the simulator logged as acknowledged, for the minutes before {@code until}. */
    private static Counts acknowledged(Path ackLog, Instant until) throws Exception {
        Map<String, Long> readings = new TreeMap<>();
        Map<String, Long> parts = new TreeMap<>();
        for (String line : Files.readAllLines(ackLog, StandardCharsets.UTF_8)) {
            String[] fields = line.split("\t", 2);
            if (fields.length < 2) {
                continue;
            }
            JsonNode payload;
            try {
                payload = JSON.readTree(fields[1]);
            } catch (Exception partial) {
                continue;       // the line being written when the log was read
            }
            String[] topic = fields[0].split("/");
            Instant ts = Instant.parse(payload.path("ts").asText());
            if (!ts.isBefore(until)) {
                continue;
            }
            String minute = ts.truncatedTo(ChronoUnit.MINUTES).toString();
            if (topic[3].equals("telemetry")) {
                payload.path("metrics").fieldNames().forEachRemaining(metric ->
                        readings.merge(topic[2] + " " + metric + " " + minute, 1L, Long::sum));
            } else if (topic[3].equals("count")) {
                parts.merge(topic[2] + " total " + minute, payload.path("total").asLong(), Long::sum);
                parts.merge(topic[2] + " good " + minute, payload.path("good").asLong(), Long::sum);
            }
        }
        return new Counts(readings, parts);
    }

    private Counts counted(Instant until) throws Exception {
        Map<String, Long> readings = new TreeMap<>();
        Map<String, Long> parts = new TreeMap<>();
        try (Connection connection = connect()) {
            try (PreparedStatement query = connection.prepareStatement("SELECT device_id, metric, bucket_start, count"
                    + " FROM telemetry_1m WHERE org_slug = ? AND bucket_start < ?")) {
                query.setString(1, ProcessCluster.ORG);
                query.setObject(2, until.atOffset(java.time.ZoneOffset.UTC));
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        readings.put(rows.getString(1) + " " + rows.getString(2) + " "
                                + rows.getObject(3, java.time.OffsetDateTime.class).toInstant(), rows.getLong(4));
                    }
                }
            }
            try (PreparedStatement query = connection.prepareStatement("SELECT device_id, bucket_start, total_count,"
                    + " good_count FROM oee_1m WHERE org_slug = ? AND bucket_start < ? AND total_count > 0")) {
                query.setString(1, ProcessCluster.ORG);
                query.setObject(2, until.atOffset(java.time.ZoneOffset.UTC));
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        String minute = rows.getObject(2, java.time.OffsetDateTime.class).toInstant().toString();
                        parts.put(rows.getString(1) + " total " + minute, rows.getLong(3));
                        parts.put(rows.getString(1) + " good " + minute, rows.getLong(4));
                    }
                }
            }
        }
        return new Counts(readings, parts);
    }

    /** The tables, once they hold what was acknowledged or stop changing for two minutes. */
    private Counts awaitCounted(Counts acknowledged, Instant until) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(6).toNanos();
        Counts last = counted(until);
        long unchangedSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            Counts now = counted(until);
            if (now.equals(acknowledged)) {
                return now;
            }
            if (!now.equals(last)) {
                unchangedSince = System.nanoTime();
            } else if (System.nanoTime() - unchangedSince > Duration.ofMinutes(2).toNanos()) {
                return now;
            }
            last = now;
            Thread.sleep(5_000);
        }
        return last;
    }

    /** Alerts of the overheat rule opened per machine. */
    private Map<String, Long> alerts() throws Exception {
        Map<String, Long> alerts = new TreeMap<>();
        try (Connection connection = connect();
             PreparedStatement query = connection.prepareStatement("SELECT device_id, count(*) FROM alerts"
                     + " WHERE org_slug = ? AND rule_id = 'overheat' GROUP BY device_id")) {
            query.setString(1, ProcessCluster.ORG);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    alerts.put(rows.getString(1), rows.getLong(2));
                }
            }
        }
        return alerts;
    }

    private Connection connect() throws Exception {
        Properties login = new Properties();
        login.setProperty("user", "plantline");
        login.setProperty("password", ProcessCluster.SECRETS.get("PLANTLINE_DB_PASSWORD"));
        login.setProperty("connectTimeout", "3");
        login.setProperty("socketTimeout", "10");
        return DriverManager.getConnection(cluster.postgres().jdbcUrl(), login);
    }

    private static void awaitTime(Instant instant) throws InterruptedException {
        long millis = Duration.between(Instant.now(), instant).toMillis();
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }

    private int report(Instant from, Instant until, Counts acknowledged, Counts counted, Map<String, Long> alerts) {
        Map<String, long[]> perFault = new LinkedHashMap<>();     // lost, twice: readings then parts
        results.forEach(result -> perFault.put(result.fault(), new long[4]));
        perFault.put("before the first fault", new long[4]);
        long[] totals = new long[4];
        compare(acknowledged.readings(), counted.readings(), perFault, totals, 0);
        compare(acknowledged.parts(), counted.parts(), perFault, totals, 2);
        long readings = acknowledged.readings().values().stream().mapToLong(Long::longValue).sum();
        long parts = acknowledged.parts().entrySet().stream().filter(entry -> entry.getKey().contains(" total "))
                .mapToLong(Map.Entry::getValue).sum();

        StringBuilder out = new StringBuilder();
        out.append(String.format("%n## Cluster faults: kill -9 of each component in turn (issue 29, item 2)%n%n"
                + "`bench/cluster-faults.sh %d`, run %s: the process cluster (`ProcessCluster`: ZooKeeper, 3 KRaft brokers,"
                + " PostgreSQL, a JobManager with ZooKeeper HA and 2 TaskManagers, Mosquitto 2.0.11 with dynamic security,"
                + " 2 bridges in one share group, 2 control APIs, each an OS process, started from compose's files; jobs at"
                + " parallelism 1 submitted by `docker/submit-jobs.sh`) with the plant simulator (%d machines, a reading"
                + " per machine a second, QoS 1, every acknowledgement logged) and a 60 s temperature breach on machines"
                + " %d, %d and %d. Minutes compared: %s to %s.%n%n", machines, from.toString().substring(0, 10), machines,
                BREACHES[0], BREACHES[1], BREACHES[2], from.truncatedTo(ChronoUnit.MINUTES), until));
        out.append("| fault | jobs RUNNING, checkpointed (s) | every job's rows again (s) | a bridge forwards again (s)"
                + " | readings lost / twice, from this kill to the next | parts (total and good) lost / twice |\n|---|---|---|---|---|---|\n");
        for (FaultResult result : results) {
            long[] counts = perFault.get(result.fault());
            out.append(String.format("| %s | %s | %s | %s | %d / %d | %d / %d |%n", result.fault(), seconds(result.runningS()),
                    seconds(result.rowsS()), seconds(result.forwardingS()), counts[0], counts[1], counts[2], counts[3]));
        }
        long[] none = perFault.get("before the first fault");
        out.append(String.format("| (before the first fault) | | | | %d / %d | %d / %d |%n%n", none[0], none[1], none[2],
                none[3]));
        out.append(String.format("Readings acknowledged: %,d (device x metric values); parts acknowledged: %,d. Lost: %d"
                        + " readings, %d parts; counted twice or more: %d readings, %d parts (per device, metric and"
                        + " minute).%n%n", readings, parts, totals[0], totals[2], totals[1], totals[3]));
        boolean alertsRight = true;
        StringBuilder alertLine = new StringBuilder("Alerts opened by the breaches:");
        for (int machine : BREACHES) {
            String device = String.format("machine-%02d", machine);
            long opened = alerts.getOrDefault(device, 0L);
            alertsRight &= opened == 1;
            alertLine.append(String.format(" %s %d;", device, opened));
        }
        long others = alerts.entrySet().stream().filter(entry -> java.util.Arrays.stream(BREACHES)
                .noneMatch(machine -> entry.getKey().equals(String.format("machine-%02d", machine))))
                .mapToLong(Map.Entry::getValue).sum();
        alertsRight &= others == 0;
        out.append(alertLine).append(String.format(" other machines %d.%n%n", others));
        out.append("What the surviving control API answered while each fault lasted (distinct answers, in order):\n\n");
        for (FaultResult result : results) {
            out.append("- ").append(result.fault()).append(": `/api/v1/health` ").append(String.join(" | ", result.health()))
                    .append("; `/api/v1/jobs` ").append(String.join(" | ", result.jobs())).append('\n');
        }
        System.out.println(out);
        boolean onlyMosquittoLost = perFault.entrySet().stream().filter(entry -> !entry.getKey().startsWith("Mosquitto"))
                .allMatch(entry -> entry.getValue()[0] == 0 && entry.getValue()[2] == 0);
        boolean invariant = onlyMosquittoLost && totals[1] == 0 && totals[3] == 0 && alertsRight;
        System.out.println(invariant ? "INVARIANT HOLDS" : "INVARIANT BROKEN");
        return invariant ? 0 : 1;
    }

    private static String seconds(double value) {
        return value < 0 ? "not within " + RECOVERY_LIMIT.toMinutes() + " min" : String.format("%.0f", value);
    }

    /** Differences per key, attributed to the fault killed last before its minute ended (a stall lasts past its fault). */
    private void compare(Map<String, Long> acknowledged, Map<String, Long> counted, Map<String, long[]> perFault,
                         long[] totals, int offset) {
        Set<String> keys = new TreeSet<>(acknowledged.keySet());
        keys.addAll(counted.keySet());
        for (String key : keys) {
            long difference = counted.getOrDefault(key, 0L) - acknowledged.getOrDefault(key, 0L);
            if (difference == 0) {
                continue;
            }
            Instant minute = Instant.parse(key.substring(key.lastIndexOf(' ') + 1));
            String fault = "before the first fault";
            for (FaultResult result : results) {
                if (result.killed().isBefore(minute.plus(1, ChronoUnit.MINUTES))) {
                    fault = result.fault();
                }
            }
            int index = difference < 0 ? offset : offset + 1;
            perFault.get(fault)[index] += Math.abs(difference);
            totals[index] += Math.abs(difference);
            System.err.println("cluster-faults: " + key + " acknowledged " + acknowledged.getOrDefault(key, 0L)
                    + ", counted " + counted.getOrDefault(key, 0L) + " (" + fault + ")");
        }
    }
}
