package io.plantline.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.plantline.embedded.FreePorts;
import io.plantline.embedded.OrphanedPostgres;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, items 6 and 7: {@code ./plantline-local} killed with {@code kill -9} and started again with the same
 * command, while one connection has many QoS 1 messages in flight (issue 36); and stopped with Ctrl-C (issue 37, item
 * 17). The stack runs as its own process, as a user runs it; every reading acknowledged before the kill must be in
 * Kafka and counted after the restart, and the jobs must resume from their checkpoints.
 */
class LocalStackCrashIT {

    /** Probes sent on one connection; the stack is killed once {@link #KILL_AFTER} of them are acknowledged. */
    private static final int PROBES = 20_000;
    private static final int KILL_AFTER = 2_000;

    @TempDir
    Path dataDir;

    @Test
    void aStackKilledWithKill9MidStreamStartsAgainWithTheSameCommandAndCountsWhatItHadAcknowledged() throws Exception {
        List<String> args = arguments();
        int mqttPort = Integer.parseInt(setting(args, "mqtt-port"));
        String jdbcUrl = "jdbc:postgresql://localhost:" + setting(args, "postgres-port") + "/postgres?user=postgres";

        Process stack = start(args, "first");
        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        try {
            String device = firstDevice(jdbcUrl);
            Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> everyJobHasACheckpoint());
            // Issue 36: one connection with many messages in flight when the stack dies, not one at a time.
            publishProbes(mqttPort, device, Files.readAllBytes(dataDir.resolve("mqtt-simulator-password")), acknowledged);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= KILL_AFTER);

            stack.destroyForcibly().waitFor();            // SIGKILL: nothing is stopped, PostgreSQL lives on
            Set<Integer> acknowledgedBeforeTheKill = Set.copyOf(acknowledged);
            assertThat(acknowledgedBeforeTheKill).as("probes acknowledged before the kill").hasSizeLessThan(PROBES);

            stack = start(args, "second");
            printStartTimes("first");
            printStartTimes("second");
            assertThat(Files.readString(dataDir.resolve("second.out"))).contains(
                    "stopped PostgreSQL (pid ", "job telemetry-analytics: resumes from chk-", "job oee: resumes from chk-",
                    "job device-lifecycle: resumes from chk-");
            // Read until the restarted Kafka has served every partition: one read may stop short on a slow start.
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> assertThat(probesInKafka(args)).containsAll(acknowledgedBeforeTheKill));
            Set<Integer> inKafka = probesInKafka(args);
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> probesCounted(jdbcUrl, device) == inKafka.size());
        } finally {
            stack.destroyForcibly().waitFor();
            OrphanedPostgres.stopIfAny(dataDir.resolve("postgres"));
        }
    }

    /**
     * Issue 37, item 17: Ctrl-C (SIGTERM runs the same shutdown hook) stops each part of the stack before the parts it
     * uses, as its log says, and nothing waits on a pool whose PostgreSQL has gone.
     */
    @Test
    void aStackStoppedWithCtrlCStopsEachPartBeforeThePartsItUses() throws Exception {
        List<String> args = arguments();
        Process stack = start(args, "first");
        long begin = System.nanoTime();
        try {
            stack.destroy();
            assertThat(stack.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)).as("stopped within 2 minutes").isTrue();
            System.out.println("stop took " + (System.nanoTime() - begin) / 1_000_000 + " ms");
        } finally {
            stack.destroyForcibly().waitFor();
            OrphanedPostgres.stopIfAny(dataDir.resolve("postgres"));
        }

        String log = Files.readString(dataDir.resolve("logs/local-stack.log"));
        assertThat(log.lines().filter(line -> line.contains(" - stopped "))
                .map(line -> line.substring(line.indexOf(" - stopped ") + " - stopped ".length(), line.lastIndexOf(" in "))))
                .containsExactly("status line", "simulator", "control API", "mail catcher", "bridge", "Flink MiniCluster",
                        "MQTT broker", "MQTT registry pool", "Kafka admin client", "database pool", "Kafka", "PostgreSQL");
        assertThat(log).doesNotContain("Connection is not available", "Interrupted during connection acquisition");
        assertThat(Files.readString(dataDir.resolve("first.out"))).contains("Stopped.");
    }

    private List<String> arguments() throws Exception {
        List<String> args = new ArrayList<>();
        for (String port : List.of("mqtt-port", "kafka-port", "postgres-port", "flink-ui-port", "bridge-metrics-port",
                "api-port")) {
            args.add("--" + port + "=" + FreePorts.pick());
        }
        args.addAll(List.of("--data-dir=" + dataDir, "--machines=2", "--groups=1", "--interval-ms=500",
                "--admin-password=crash test password"));
        return args;
    }

    private Process start(List<String> args, String run) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), LocalStack.class.getName()));
        command.addAll(args);
        Path out = dataDir.resolve(run + ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE).start();
        try {
            // A quiet machine starts it in 12-15 s; one shared with other builds took up to 176 s (docs/benchmarks.md).
            Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).until(() -> {
                String console = Files.exists(out) ? Files.readString(out) : "";
                if (!process.isAlive()) {
                    throw new AssertionError("the local stack exited (" + process.exitValue() + "):\n" + console);
                }
                return console.contains("Plantline local stack is up");
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            process.destroyForcibly().waitFor();
            OrphanedPostgres.stopIfAny(dataDir.resolve("postgres"));
            throw new AssertionError("the local stack did not come up:\n" + Files.readString(out), e);
        }
        return process;
    }

    /** The start's own timings (each server's, the whole stack's), for docs/benchmarks.md. */
    private void printStartTimes(String run) throws Exception {
        Files.readAllLines(dataDir.resolve(run + ".out")).stream()
                .filter(line -> line.contains(" started in ") || line.contains(" is up in "))
                .forEach(line -> System.out.println(run + " start: " + line.strip()));
    }

    private boolean everyJobHasACheckpoint() throws Exception {
        Path checkpoints = dataDir.resolve("flink/checkpoints");
        if (!Files.isDirectory(checkpoints)) {
            return false;
        }
        try (Stream<Path> jobs = Files.list(checkpoints)) {
            return jobs.filter(job -> {
                try {
                    return !LocalFlinkCluster.completeCheckpoints(job).isEmpty();
                } catch (java.io.IOException e) {
                    return false;
                }
            }).count() == 3;
        }
    }

    /**
     * {@value #PROBES} readings of a metric of their own, numbered, sent at once on one connection as the simulator
     * would (with its account; the stack keeps its password in the data directory): the client keeps as many in
     * flight as the broker's Receive Maximum lets it. Each one the broker acknowledged goes into {@code acknowledged}.
     */
    private static void publishProbes(int mqttPort, String device, byte[] simulatorPassword, Set<Integer> acknowledged) {
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier("plantline-simulator-probe-" + device)
                .serverHost("127.0.0.1").serverPort(mqttPort)
                .simpleAuth().username("plantline-simulator").password(simulatorPassword).applySimpleAuth()
                .buildAsync();
        client.connect().join();
        Instant start = Instant.now();
        for (int i = 0; i < PROBES; i++) {
            int probe = i;
            client.publishWith().topic("plantline/demo/" + device + "/telemetry").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("{\"ts\":\"" + start.plusMillis(i) + "\",\"metrics\":{\"probe\":" + i + "}}")
                            .getBytes(StandardCharsets.UTF_8))
                    .send()
                    .thenAccept(result -> {
                        if (result.getError().isEmpty()) {
                            acknowledged.add(probe);
                        }
                    });
        }
    }

    /** The numbers of the probes in Kafka. */
    private static Set<Integer> probesInKafka(List<String> args) {
        return io.plantline.testing.TestKafka.at("127.0.0.1:" + setting(args, "kafka-port"))
                .read(io.plantline.model.Topics.TELEMETRY, Integer.MAX_VALUE, Duration.ofSeconds(2)).stream()
                .map(record -> new String(record.value(), StandardCharsets.UTF_8))
                .filter(value -> value.contains("\"probe\""))
                .map(value -> (int) Double.parseDouble(value.replaceAll("(?s).*\"probe\":([0-9.E]+).*", "$1")))
                .collect(Collectors.toSet());
    }

    private static String firstDevice(String jdbcUrl) throws Exception {
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(
                     "SELECT device_id FROM devices WHERE org_slug = 'demo' ORDER BY device_id LIMIT 1")) {
            row.next();
            return row.getString(1);
        }
    }

    private static long probesCounted(String jdbcUrl, String device) throws Exception {
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT coalesce(sum(count), 0) FROM telemetry_1m WHERE org_slug = 'demo'"
                     + " AND device_id = '" + device + "' AND metric = 'probe'")) {
            row.next();
            return row.getLong(1);
        }
    }

    private static String setting(List<String> args, String name) {
        return args.stream().filter(arg -> arg.startsWith("--" + name + "=")).findFirst().orElseThrow()
                .substring(name.length() + 3);
    }
}
