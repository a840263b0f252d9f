package io.plantline.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.embedded.FreePorts;
import io.plantline.embedded.KafkaTopics;
import io.plantline.model.Topics;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.MqttBrokerExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import io.plantline.testing.TestMqttBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, item 4: the bridge as its own process, killed with SIGKILL twice while a device publishes at QoS 1, and
 * started again each time on the same client id. Every reading the broker acknowledged to the device is in Kafka;
 * repeats are bounded by the window per kill. Runs against the embedded broker, or Mosquitto through
 * PLANTLINE_TEST_MQTT_URI.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class, MqttBrokerExtension.class})
class BridgeProcessIT {

    /**
     * A device publishing 100 readings a second on the embedded broker; on an external one (Mosquitto 2.0.11 overruns
     * a window smaller than the backlog, BrokerWindow) 20 a second, so the backlog of a bridge whose new process takes
     * up to 50 s to connect (a busy machine) stays within its window of 1,000: at 100 a second, 10 s were enough, and
     * the test failed twice in three runs on a machine at load average 20-30.
     */
    private static long publishEveryMs(TestMqttBroker broker) {
        return broker.embedded() ? 10 : 50;
    }

    @TempDir
    Path logs;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aBridgeKilledMidStreamLosesNothingItsDeviceWasToldWasReceived(TestDatabase database, TestKafka kafka,
                                                                        TestMqttBroker broker) throws Exception {
        SchemaMigration.apply(database.jdbcUrl());
        KafkaTopics.createAll(kafka.bootstrapServers(), 2);
        String org = TestMqttBroker.uniqueOrgSlug();
        database.execute("INSERT INTO organisations (slug, name) VALUES ('" + org + "', 'Test')");
        database.execute("INSERT INTO devices (org_slug, device_id) VALUES ('" + org + "', 'press-1')");
        int metricsPort = FreePorts.pick();
        // Mosquitto 2.0.11 overruns a window smaller than the backlog (BrokerWindow): a whole window of 1,000 there.
        int window = broker.embedded() ? 100 : 1000;
        List<String> args = List.of("--mqtt-host=" + broker.host(), "--mqtt-port=" + broker.port(),
                "--kafka-bootstrap=" + kafka.bootstrapServers(), "--jdbc-url=" + database.jdbcUrl(),
                "--client-id=killed-" + org, "--share-group=g" + org, "--metrics-port=" + metricsPort,
                "--max-in-flight=" + window, "--max-in-flight-bytes=" + (window * (256L + 64) * 1024),
                "--mqtt-connections=" + (broker.embedded() ? 2 : 1));

        List<Integer> acknowledged = new CopyOnWriteArrayList<>();
        Process bridge = startBridge(args, metricsPort, 0);
        try (BridgeFaultsIT.Publisher device = new BridgeFaultsIT.Publisher(broker, org, "press-1")) {
            ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
            AtomicInteger sequence = new AtomicInteger();
            publisher.scheduleAtFixedRate(() -> acknowledged.addAll(device.publishQos1(sequence.getAndIncrement(), 1)),
                    0, publishEveryMs(broker), TimeUnit.MILLISECONDS);
            for (int kill = 1; kill <= 2; kill++) {
                int before = acknowledged.size();
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= before + 300);
                bridge.destroyForcibly().waitFor();                    // SIGKILL: no shutdown hook runs
                int whileDown = acknowledged.size();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= whileDown + 100);
                bridge = startBridge(args, metricsPort, kill);
            }
            int last = acknowledged.size();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= last + 300);
            publisher.shutdown();
            publisher.awaitTermination(10, TimeUnit.SECONDS);

            Map<Integer, Long> copies = copiesInKafka(kafka, org, acknowledged.size());
            assertThat(copies.keySet()).containsAll(acknowledged);
            long repeats = copies.values().stream().mapToLong(count -> count - 1).sum();
            assertThat(repeats).as("repeats: at most a window per kill").isLessThanOrEqualTo(2L * window);
        } finally {
            bridge.destroyForcibly().waitFor();
        }
    }

    private Process startBridge(List<String> args, int metricsPort, int run) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), BridgeMain.class.getName()));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logs.resolve("bridge-" + run + ".log").toFile()).start();
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http.send(HttpRequest
                .newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        return process;
    }

    private static Map<Integer, Long> copiesInKafka(TestKafka kafka, String org, int atLeast) {
        Map<Integer, Long>[] copies = new Map[] {Map.of()};
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).until(() -> {
            copies[0] = kafka.read(Topics.TELEMETRY, Integer.MAX_VALUE, Duration.ofSeconds(3)).stream()
                    .filter(record -> record.key().equals(org + "/press-1"))
                    .map(record -> BridgeFaultsIT.Publisher.sequence(record.value()))
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            return copies[0].size() >= atLeast;
        });
        return copies[0];
    }
}
