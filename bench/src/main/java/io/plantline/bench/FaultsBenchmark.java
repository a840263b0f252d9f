package io.plantline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.plantline.embedded.FreePorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The invariant that matters, under {@code kill -9}: the local stack runs, a plant simulator in a process of its own
 * publishes at QoS 1 and logs every message the broker acknowledged, and the stack is killed at random moments and
 * started again with the same command, several times. At the end every acknowledged reading must be counted exactly
 * once in {@code telemetry_1m} (per device and metric, the sum of counts equals the readings acknowledged) and every
 * acknowledged part once in {@code oee_1m} (the sums of {@code total_count} and {@code good_count}).
 *
 * <pre>java -cp bench.jar io.plantline.bench.FaultsBenchmark LOCAL_STACK_JAR SIMULATOR_JAR [kills=5] [machines=20]</pre>
 */
public final class FaultsBenchmark {

    private static final String ORG = "faults";
    private static final Duration UP_WITHIN = Duration.ofMinutes(3);
    private static final Duration COUNTED_WITHIN = Duration.ofMinutes(6);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path stackJar;
    private final Path simulatorJar;
    private final Path work;
    private final List<String> stackArgs = new ArrayList<>();
    private final String jdbcUrl;
    private final int mqttPort;
    private int starts;

    private FaultsBenchmark(Path stackJar, Path simulatorJar, Path work) throws IOException {
        this.stackJar = stackJar;
        this.simulatorJar = simulatorJar;
        this.work = work;
        this.mqttPort = FreePorts.pick();
        int postgresPort = FreePorts.pick();
        stackArgs.addAll(List.of("--mqtt-port=" + mqttPort, "--kafka-port=" + FreePorts.pick(),
                "--postgres-port=" + postgresPort, "--flink-ui-port=" + FreePorts.pick(),
                "--bridge-metrics-port=" + FreePorts.pick(), "--api-port=" + FreePorts.pick(), "--data-dir=" + work.resolve("stack"), "--machines=1", "--admin-password=faults benchmark"));
        this.jdbcUrl = "jdbc:postgresql://localhost:" + postgresPort + "/postgres?user=postgres";
    }

    public static void main(String[] args) throws Exception {
        Path stackJar = Path.of(args[0]);
        Path simulatorJar = Path.of(args[1]);
        int kills = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int machines = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        Path work = Files.createTempDirectory("plantline-faults-bench");
        new FaultsBenchmark(stackJar, simulatorJar, work).run(kills, machines);
    }

    private void run(int kills, int machines) throws Exception {
        Random random = new Random();
        Process stack = startStack();
        registerPlant(machines);
        Path ackLog = work.resolve("acknowledged.log");
        Process simulator = new ProcessBuilder(java(), "-Xmx256m", "-jar", simulatorJar.toString(),
                "--mqtt-port=" + mqttPort, "--org=" + ORG, "--machines=" + machines, "--groups=2", "--interval-ms=1000",
                "--ack-log=" + ackLog, "--mqtt-password=" + Files.readString(work.resolve("stack/mqtt-simulator-password")))
                .redirectErrorStream(true).redirectOutput(work.resolve("simulator.out").toFile())
                .start();
        List<Long> downSeconds = new ArrayList<>();
        List<Long> upSeconds = new ArrayList<>();
        for (int kill = 1; kill <= kills; kill++) {
            long up = 20 + random.nextInt(41);
            upSeconds.add(up);
            Thread.sleep(up * 1000);
            stack.destroyForcibly().waitFor();                     // SIGKILL
            long down = System.nanoTime();
            stack = startStack();
            downSeconds.add((System.nanoTime() - down) / 1_000_000_000);
        }
        Thread.sleep(60_000);
        simulator.destroy();                                      // SIGTERM: it stops and waits for its acknowledgements
        simulator.waitFor();

        Map<String, Long> acknowledgedReadings = new TreeMap<>();
        Map<String, long[]> acknowledgedParts = new TreeMap<>();
        long acknowledgedMessages = 0;
        for (String line : Files.readAllLines(ackLog, StandardCharsets.UTF_8)) {
            acknowledgedMessages++;
            String[] fields = line.split("\t", 2);
            String device = fields[0].split("/")[2];
            String kind = fields[0].split("/")[3];
            JsonNode payload = JSON.readTree(fields[1]);
            if (kind.equals("telemetry")) {
                payload.path("metrics").fieldNames().forEachRemaining(metric ->
                        acknowledgedReadings.merge(device + "/" + metric, 1L, Long::sum));
            } else if (kind.equals("count")) {
                long[] parts = acknowledgedParts.computeIfAbsent(device, key -> new long[2]);
                parts[0] += payload.path("total").asLong();
                parts[1] += payload.path("good").asLong();
            }
        }
        Counts counted = awaitCounted(acknowledgedReadings, acknowledgedParts);
        stack.destroy();
        stack.waitFor();

        long readingsAcknowledged = acknowledgedReadings.values().stream().mapToLong(Long::longValue).sum();
        long readingsLost = 0;
        long readingsTwice = 0;
        for (String series : union(acknowledgedReadings.keySet(), counted.readings().keySet())) {
            long difference = counted.readings().getOrDefault(series, 0L) - acknowledgedReadings.getOrDefault(series, 0L);
            readingsLost += Math.max(0, -difference);
            readingsTwice += Math.max(0, difference);
        }
        long partsAcknowledged = 0;
        long partsLost = 0;
        long partsTwice = 0;
        for (String device : union(acknowledgedParts.keySet(), counted.parts().keySet())) {
            long[] acknowledged = acknowledgedParts.getOrDefault(device, new long[2]);
            long[] seen = counted.parts().getOrDefault(device, new long[2]);
            partsAcknowledged += acknowledged[0];
            for (int i = 0; i < 2; i++) {
                partsLost += Math.max(0, acknowledged[i] - seen[i]);
                partsTwice += Math.max(0, seen[i] - acknowledged[i]);
            }
        }
        System.out.printf("""

                ## Faults: kill -9 of the local stack (issue 17, item 9)

                `bench/faults.sh %d %d`, run %s: the local stack with a plant simulator of %d machines in a process of
                its own (a reading per machine a second, part counts every 10 s, QoS 1, each message sent again until
                acknowledged, each acknowledgement logged); the stack killed with `kill -9` %d times, %s s apart, and
                started again with the same command each time (%s s from the kill until it was up again).

                | measure | figure |
                |---|---|
                | messages acknowledged to the simulator | %,d |
                | readings acknowledged (device x metric values) | %,d |
                | readings counted in telemetry_1m | %,d |
                | readings lost / counted twice or more | %d / %d |
                | parts acknowledged (total) | %,d |
                | parts lost / counted twice or more (total and good) | %d / %d |
                """, kills, machines, Instant.now().toString().substring(0, 10), machines, kills, upSeconds, downSeconds,
                acknowledgedMessages, readingsAcknowledged, counted.readings().values().stream().mapToLong(Long::longValue).sum(),
                readingsLost, readingsTwice, partsAcknowledged, partsLost, partsTwice);
        System.exit(readingsLost + readingsTwice + partsLost + partsTwice == 0 ? 0 : 1);
    }

    private record Counts(Map<String, Long> readings, Map<String, long[]> parts) {
    }

    /** What the tables hold for the plant, once they match what was acknowledged or stop changing for a while. */
    private Counts awaitCounted(Map<String, Long> readings, Map<String, long[]> parts) throws Exception {
        long deadline = System.nanoTime() + COUNTED_WITHIN.toNanos();
        Counts last = counted();
        long unchangedSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            Counts now = counted();
            if (now.readings().equals(readings) && sameParts(now.parts(), parts)) {
                return now;
            }
            if (!now.readings().equals(last.readings()) || !sameParts(now.parts(), last.parts())) {
                unchangedSince = System.nanoTime();
            } else if (System.nanoTime() - unchangedSince > Duration.ofMinutes(3).toNanos()) {
                return now;
            }
            last = now;
            Thread.sleep(5_000);
        }
        return last;
    }

    private static boolean sameParts(Map<String, long[]> a, Map<String, long[]> b) {
        return a.keySet().equals(b.keySet()) && a.keySet().stream().allMatch(key -> java.util.Arrays.equals(a.get(key), b.get(key)));
    }

    private Counts counted() throws Exception {
        Map<String, Long> readings = new TreeMap<>();
        Map<String, long[]> parts = new TreeMap<>();
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement()) {
            try (ResultSet rows = statement.executeQuery("SELECT device_id, metric, sum(count) FROM telemetry_1m"
                    + " WHERE org_slug = '" + ORG + "' GROUP BY device_id, metric")) {
                while (rows.next()) {
                    readings.put(rows.getString(1) + "/" + rows.getString(2), rows.getLong(3));
                }
            }
            try (ResultSet rows = statement.executeQuery("SELECT device_id, sum(total_count), sum(good_count) FROM oee_1m"
                    + " WHERE org_slug = '" + ORG + "' GROUP BY device_id HAVING sum(total_count) > 0")) {
                while (rows.next()) {
                    parts.put(rows.getString(1), new long[] {rows.getLong(2), rows.getLong(3)});
                }
            }
        }
        return new Counts(readings, parts);
    }

    /** The plant's organisation and machines, registered so the bridge takes their messages. */
    private void registerPlant(int machines) throws Exception {
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO organisations (slug, name) VALUES ('" + ORG + "', 'Faults benchmark')"
                    + " ON CONFLICT DO NOTHING");
            int width = Math.max(2, Integer.toString(machines).length());
            for (int i = 1; i <= machines; i++) {
                statement.execute("INSERT INTO devices (org_slug, device_id) VALUES ('" + ORG + "', 'machine-"
                        + String.format("%0" + width + "d", i) + "') ON CONFLICT DO NOTHING");
            }
        }
        Thread.sleep(5_000);      // the bridge reloads its device registry every 2 s
    }

    private Process startStack() throws Exception {
        Path out = work.resolve("stack-" + (++starts) + ".out");
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx2g", "-jar", stackJar.toString()));
        command.addAll(stackArgs);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        long deadline = System.nanoTime() + UP_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            String console = Files.exists(out) ? Files.readString(out) : "";
            if (console.contains("Plantline local stack is up")) {
                return process;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("the local stack exited:\n" + console);
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the local stack did not come up within " + UP_WITHIN + "; see " + out);
    }

    private static TreeSet<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        TreeSet<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
