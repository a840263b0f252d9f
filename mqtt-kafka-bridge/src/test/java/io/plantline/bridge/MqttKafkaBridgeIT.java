package io.plantline.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.plantline.embedded.KafkaTopics;
import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceCommand;
import io.plantline.model.DeviceRef;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.MqttBrokerExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import io.plantline.testing.TestMqttBroker;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The bridge between a real MQTT broker (embedded HiveMQ, or Mosquitto through PLANTLINE_TEST_MQTT_URI),
 * Kafka and PostgreSQL. Each test uses an organisation slug of its own and reads back only its records.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class, MqttBrokerExtension.class})
class MqttKafkaBridgeIT {

    private String org;
    private BridgeOptions options;

    @BeforeEach
    void registerDevices(TestDatabase database, TestKafka kafka, TestMqttBroker broker) throws Exception {
        SchemaMigration.apply(database.jdbcUrl());
        KafkaTopics.createAll(kafka.bootstrapServers(), 2);
        org = TestMqttBroker.uniqueOrgSlug();
        database.execute("INSERT INTO organisations (slug, name) VALUES ('" + org + "', 'Test')");
        database.execute("INSERT INTO devices (org_slug, device_id, enabled) VALUES ('" + org + "', 'press-1', true), ('"
                + org + "', 'press-2', false)");
        options = BridgeOptions.parse(BrokerWindow.with(broker, "--client-id=bridge-" + org, "--share-group=g" + org,
                "--registry-refresh-ms=200", "--metrics-port=0"), Map.of())
                .connectedTo(broker.host(), broker.port(), kafka.bootstrapServers(), database.jdbcUrl());
    }

    @Test
    void routesEveryKindAndDeadLettersEveryRefusal(TestKafka kafka, TestMqttBroker broker) throws Exception {
        try (MqttKafkaBridge bridge = new MqttKafkaBridge(options, Clock.systemUTC())) {
            bridge.start();
            Mqtt5BlockingClient device = device(broker);
            String ts = "\"" + Instant.now() + "\"";
            publish(device, "press-1/telemetry", "{\"ts\":" + ts + ",\"metrics\":{\"temperature\":71.5}}");
            publish(device, "press-1/state", "{\"ts\":" + ts + ",\"state\":\"RUNNING\"}");
            publish(device, "press-1/count", "{\"ts\":" + ts + ",\"total\":5,\"good\":4}");
            publish(device, "press-1/heartbeat", "{\"ts\":" + ts + ",\"firmware\":\"1.0.0\"}");
            publish(device, "press-1/ota", "{\"ts\":" + ts + ",\"deploymentId\":\"d1\",\"status\":\"DOWNLOADING\"}");
            publish(device, "press-1/telemetry", "{\"ts\":" + ts + ",\"metrics\":{\"temperature\":NaN}}");
            publish(device, "press-2/telemetry", "{\"ts\":" + ts + ",\"metrics\":{\"temperature\":70}}");
            publish(device, "press-3/telemetry", "{\"ts\":" + ts + ",\"metrics\":{\"temperature\":70}}");
            publish(device, "press-1/coffee", "{}");

            Map<String, List<ConsumerRecord<String, byte[]>>> records = readOwn(kafka, Map.of(
                    Topics.TELEMETRY, 1, Topics.MACHINE_EVENTS, 2, Topics.DEVICE_EVENTS, 2, Topics.DEAD_LETTER, 4));
            assertThat(records.get(Topics.TELEMETRY)).extracting(ConsumerRecord::key).containsExactly(org + "/press-1");
            assertThat(records.get(Topics.MACHINE_EVENTS)).hasSize(2);
            assertThat(records.get(Topics.DEVICE_EVENTS)).hasSize(2);
            assertThat(records.get(Topics.DEAD_LETTER).stream()
                    .map(record -> RecordJson.readDeadLetter(record.value()).reason()).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrder("non_finite_value", "device_disabled", "unknown_device", "invalid_topic");
            BridgeMetrics.Snapshot metrics = bridge.metrics().snapshot();
            assertThat(metrics.received()).isEqualTo(9);
            assertThat(metrics.forwarded()).isEqualTo(5);
            assertThat(metrics.rejected()).isEqualTo(4);
            assertThat(metrics.inFlight()).isZero();
            device.disconnect();
        }
    }

    @Test
    void aReadingOutsideItsDevicesProfileIsRefusedAndAChangedProfileAppliesWithinSeconds(TestDatabase database,
                                                                                        TestKafka kafka,
                                                                                        TestMqttBroker broker)
            throws Exception {
        database.execute("INSERT INTO device_profiles (org_slug, profile_id, name, metrics) VALUES ('" + org
                + "', 'press', 'Press', '[{\"name\":\"temperature\",\"unit\":\"C\",\"min\":0,\"max\":250}]')");
        database.execute("UPDATE devices SET profile_id = 'press' WHERE org_slug = '" + org + "' AND device_id = 'press-1'");
        try (MqttKafkaBridge bridge = new MqttKafkaBridge(options, Clock.systemUTC())) {
            bridge.start();
            Mqtt5BlockingClient device = device(broker);
            String ts = "\"" + Instant.now() + "\"";
            publish(device, "press-1/telemetry", "{\"ts\":" + ts + ",\"metrics\":{\"temperature\":71.5}}");
            publish(device, "press-1/telemetry", "{\"ts\":" + ts + ",\"metrics\":{\"temperature\":251}}");
            publish(device, "press-1/telemetry", "{\"ts\":" + ts + ",\"metrics\":{\"humidity\":40}}");

            Map<String, List<ConsumerRecord<String, byte[]>>> records = readOwn(kafka, Map.of(Topics.TELEMETRY, 1,
                    Topics.DEAD_LETTER, 2));
            assertThat(records.get(Topics.DEAD_LETTER)).extracting(record -> RecordJson.readDeadLetter(record.value()).detail())
                    .containsExactlyInAnyOrder("outside profile press: temperature 251.0 is outside [0.0, 250.0]",
                            "outside profile press: humidity is not declared");

            database.execute("UPDATE device_profiles SET metrics = '[{\"name\":\"temperature\"},{\"name\":\"humidity\"}]'"
                    + " WHERE org_slug = '" + org + "'");
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                publish(device, "press-1/telemetry", "{\"ts\":" + ts + ",\"metrics\":{\"humidity\":41}}");
                assertThat(bridge.metrics().snapshot().forwarded()).isGreaterThan(1);
            });
            device.disconnect();
        }
    }

    @Test
    void messagesPublishedWhileTheBridgeIsDownArriveWhenItReturns(TestKafka kafka, TestMqttBroker broker) throws Exception {
        try (MqttKafkaBridge bridge = new MqttKafkaBridge(options, Clock.systemUTC())) {
            bridge.start();
        }
        Mqtt5BlockingClient device = device(broker);
        int offline = 300;
        for (int i = 0; i < offline; i++) {
            publish(device, "press-1/telemetry", reading(i));
        }
        try (MqttKafkaBridge bridge = new MqttKafkaBridge(options, Clock.systemUTC())) {
            bridge.start();
            assertThat(sequenceNumbers(readOwn(kafka, Map.of(Topics.TELEMETRY, offline)).get(Topics.TELEMETRY)))
                    .hasSize(offline);
        }
        device.disconnect();
    }

    @Test
    void bridgeStoppedMidStreamLosesNothing(TestKafka kafka, TestMqttBroker broker) throws Exception {
        Mqtt5BlockingClient device = device(broker);
        int total = 900;
        MqttKafkaBridge first = new MqttKafkaBridge(options, Clock.systemUTC());
        first.start();
        for (int i = 0; i < total; i++) {
            publish(device, "press-1/telemetry", reading(i));
            if (i == total / 3) {
                first.close();
            }
        }
        try (MqttKafkaBridge second = new MqttKafkaBridge(options, Clock.systemUTC())) {
            second.start();
            List<ConsumerRecord<String, byte[]>> records = readOwn(kafka, Map.of(Topics.TELEMETRY, total))
                    .get(Topics.TELEMETRY);
            // At-least-once: every reading arrives; duplicates are possible, bounded by the in-flight limit.
            assertThat(sequenceNumbers(records)).hasSize(total);
            assertThat(records.size() - total).isLessThanOrEqualTo(options.maxInFlight());
        }
        device.disconnect();
    }

    @Test
    void twoInstancesInOneShareGroupSplitTheLoadAndLoseNothing(TestKafka kafka, TestMqttBroker broker) throws Exception {
        BridgeOptions second = BridgeOptions.parse(BrokerWindow.with(broker, "--client-id=bridge-b-" + org,
                "--share-group=g" + org, "--metrics-port=0"), Map.of()).connectedTo(options.mqttHost(), options.mqttPort(),
                options.kafkaBootstrap(), options.database().url());
        int total = 3000;
        try (MqttKafkaBridge a = new MqttKafkaBridge(options, Clock.systemUTC());
             MqttKafkaBridge b = new MqttKafkaBridge(second, Clock.systemUTC())) {
            a.start();
            b.start();
            Mqtt5BlockingClient device = device(broker);
            // Bursts of 500, each forwarded before the next: a broker's per-client queue limit (Mosquitto's
            // max_queued_messages defaults to 1000) must not be what this test measures.
            publishInBursts(device, total, 500,
                    () -> a.metrics().snapshot().forwarded() + b.metrics().snapshot().forwarded());
            assertThat(sequenceNumbers(readOwn(kafka, Map.of(Topics.TELEMETRY, total)).get(Topics.TELEMETRY)))
                    .hasSize(total);
            long forwardedByA = a.metrics().snapshot().forwarded();
            long forwardedByB = b.metrics().snapshot().forwarded();
            assertThat(forwardedByA + forwardedByB).isEqualTo(total);
            assertThat(forwardedByA).as("instance a's share").isPositive();
            assertThat(forwardedByB).as("instance b's share").isPositive();
            device.disconnect();
        }
    }

    @Test
    void anInstanceWithSeveralConnectionsForwardsEachMessageOnce(TestKafka kafka, TestMqttBroker broker) throws Exception {
        BridgeOptions threeConnections = BridgeOptions.parse(BrokerWindow.with(broker, "--client-id=bridge-c-" + org,
                "--share-group=g" + org, "--mqtt-connections=3", "--metrics-port=0"), Map.of())
                .connectedTo(options.mqttHost(), options.mqttPort(), options.kafkaBootstrap(), options.database().url());
        int total = 1500;
        try (MqttKafkaBridge bridge = new MqttKafkaBridge(threeConnections, Clock.systemUTC())) {
            bridge.start();
            Mqtt5BlockingClient device = device(broker);
            // Bursts smaller than a connection's window (Mosquitto 2.0.11 overruns a window a backlog exceeds).
            publishInBursts(device, total, 300, () -> bridge.metrics().snapshot().forwarded());
            List<ConsumerRecord<String, byte[]>> records = readOwn(kafka, Map.of(Topics.TELEMETRY, total))
                    .get(Topics.TELEMETRY);
            assertThat(sequenceNumbers(records)).hasSize(total);
            assertThat(records).hasSize(total);
            assertThat(bridge.metrics().snapshot().received()).isEqualTo(total);
            device.disconnect();
        }
    }

    @Test
    void commandsOnKafkaReachTheirDeviceAtQos1(TestKafka kafka, TestMqttBroker broker) throws Exception {
        Mqtt5BlockingClient device = device(broker);
        java.util.concurrent.BlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
        device.toAsync().subscribeWith().topicFilter("plantline/" + org + "/press-1/commands").qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> received.add(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8)))
                .send().join();
        try (MqttKafkaBridge bridge = new MqttKafkaBridge(options, Clock.systemUTC())) {
            bridge.start();
            DeviceCommand command = new DeviceCommand("cmd-1", new DeviceRef(org, "press-1"), "ota.update",
                    Instant.parse("2026-11-23T10:00:00Z"), Map.of("sha256", "ab"));
            kafka.produce(Topics.COMMANDS, command.device().key(), RecordJson.write(command));

            String payload = received.poll(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(payload).contains("\"commandId\":\"cmd-1\"", "\"type\":\"ota.update\"")
                    .doesNotContain("\"device\"");
            // The bridge's own command does not come back to it as a device message.
            assertThat(bridge.metrics().snapshot().received()).isZero();
        }
        device.disconnect();
    }

    @Test
    void metricsAndHealthAreServedOverHttp(TestMqttBroker broker) throws Exception {
        try (MqttKafkaBridge bridge = new MqttKafkaBridge(options, Clock.systemUTC())) {
            bridge.start();
            Mqtt5BlockingClient device = device(broker);
            publish(device, "press-1/telemetry", "not json");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> bridge.metrics().snapshot().rejected() == 1);

            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            var metrics = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + bridge.httpPort() + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            var health = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + bridge.httpPort() + "/health")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());

            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("plantline_bridge_received_total 1.0",
                    "plantline_bridge_rejected_total{reason=\"malformed_json\"} 1.0",
                    "plantline_bridge_forwarded_total{kind=\"telemetry\"} 0.0", "plantline_bridge_in_flight 0.0");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"UP\"");
            device.disconnect();
        }
    }

    private Mqtt5BlockingClient device(TestMqttBroker broker) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("device-" + UUID.randomUUID())
                .serverHost(broker.host()).serverPort(broker.port()).buildBlocking();
        client.connect();
        return client;
    }

    private void publish(Mqtt5BlockingClient device, String path, String payload) {
        device.publishWith().topic("plantline/" + org + "/" + path).qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
    }

    /** A reading whose value is its sequence number, so losses and duplicates can be counted. */
    private static String reading(int sequence) {
        return "{\"ts\":\"" + Instant.now() + "\",\"metrics\":{\"seq\":" + sequence + "}}";
    }

    /** Publishes readings 0 to {@code total - 1} in bursts, each forwarded (by {@code forwarded}) before the next. */
    private void publishInBursts(Mqtt5BlockingClient device, int total, int burst, java.util.function.LongSupplier forwarded) {
        for (int start = 0; start < total; start += burst) {
            List<java.util.concurrent.CompletableFuture<?>> sent = new ArrayList<>();
            for (int i = start; i < start + burst; i++) {
                sent.add(device.toAsync().publishWith().topic("plantline/" + org + "/press-1/telemetry")
                        .qos(MqttQos.AT_LEAST_ONCE).payload(reading(i).getBytes(StandardCharsets.UTF_8)).send());
            }
            sent.forEach(java.util.concurrent.CompletableFuture::join);
            long expected = start + burst;
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> forwarded.getAsLong() >= expected);
        }
    }

    private static Set<String> sequenceNumbers(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(record -> new String(record.value(), StandardCharsets.UTF_8))
                .map(json -> json.replaceAll(".*\"seq\":([0-9.]+).*", "$1")).collect(Collectors.toSet());
    }

    /** Reads this test's records (keys of its organisation, or dead letters from its topics) until each topic has enough. */
    private Map<String, List<ConsumerRecord<String, byte[]>>> readOwn(TestKafka kafka, Map<String, Integer> expected) {
        Map<String, List<ConsumerRecord<String, byte[]>>> own = new java.util.HashMap<>();
        Function<String, List<ConsumerRecord<String, byte[]>>> read = topic -> kafka.read(topic, Integer.MAX_VALUE,
                Duration.ofSeconds(1)).stream().filter(this::ours).collect(Collectors.toCollection(ArrayList::new));
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
            expected.keySet().forEach(topic -> own.put(topic, read.apply(topic)));
            return expected.entrySet().stream().allMatch(entry -> own.get(entry.getKey()).size() >= entry.getValue());
        });
        return own;
    }

    private boolean ours(ConsumerRecord<String, byte[]> record) {
        if (record.key() != null) {
            return record.key().startsWith(org + "/");
        }
        DeadLetter letter = RecordJson.readDeadLetter(record.value());
        return letter.origin().startsWith("plantline/" + org + "/");
    }
}
