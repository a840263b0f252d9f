package io.plantline.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.plantline.bridge.BridgeOptions;
import io.plantline.bridge.MqttKafkaBridge;
import io.plantline.embedded.EmbeddedKafkaCluster;
import io.plantline.embedded.EmbeddedMqttBroker;
import io.plantline.embedded.FreePorts;
import io.plantline.embedded.InboundPublishes;
import io.plantline.embedded.KafkaTopics;
import io.plantline.model.Topics;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import io.plantline.testing.TestMqttBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local mode's broker and bridge as local mode wires them ({@link BridgeInbound}), with one MQTT connection carrying
 * many QoS 1 messages at once, as a plant's gateway does: each is acknowledged only once Kafka has it, each device's
 * messages reach Kafka in order, and a message whose hand-over fails is not acknowledged as received.
 */
@ExtendWith(PostgresExtension.class)
class LocalIngestInFlightIT {

    private static final String SEQ = "\"seq\":";

    @TempDir
    Path folder;

    private final Watched inbound = new Watched();
    private String org;
    private EmbeddedKafkaCluster kafka;
    private EmbeddedMqttBroker broker;
    private MqttKafkaBridge bridge;

    /** The bridge's hand-over, watched: how many are under way at once, which have completed, which to fail. */
    private static final class Watched implements InboundPublishes {

        final BridgeInbound bridge = new BridgeInbound();
        final AtomicInteger underWay = new AtomicInteger();
        final AtomicInteger mostUnderWay = new AtomicInteger();
        final Set<String> taken = ConcurrentHashMap.newKeySet();
        volatile String failAfterKafka = "";

        @Override
        public boolean takes(String topic) {
            return bridge.takes(topic);
        }

        @Override
        public CompletableFuture<Void> take(String topic, byte[] payload, boolean atLeastOnce) {
            String message = new String(payload, StandardCharsets.UTF_8);
            mostUnderWay.accumulateAndGet(underWay.incrementAndGet(), Math::max);
            CompletableFuture<Void> handedOver = bridge.take(topic, payload, atLeastOnce).whenComplete((done, error) -> {
                underWay.decrementAndGet();
                if (error == null) {
                    taken.add(topic + " " + seq(message));
                }
            });
            return message.contains(failAfterKafka) && !failAfterKafka.isEmpty()
                    ? handedOver.thenCompose(done -> CompletableFuture.failedFuture(new IllegalStateException("refused")))
                    : handedOver;
        }
    }

    @BeforeEach
    void start(TestDatabase database) throws Exception {
        SchemaMigration.apply(database.jdbcUrl());
        org = TestMqttBroker.uniqueOrgSlug();
        database.execute("INSERT INTO organisations (slug, name) VALUES ('" + org + "', 'Test')");
        database.execute("INSERT INTO devices (org_slug, device_id) VALUES ('" + org + "', 'press-1'), ('" + org
                + "', 'press-2')");
        kafka = EmbeddedKafkaCluster.start(FreePorts.pick(), folder.resolve("kafka"), 64L << 20);
        KafkaTopics.createAll(kafka.bootstrapServers(), 2);
        broker = EmbeddedMqttBroker.start(0, folder.resolve("mqtt"), inbound, null);
        BridgeOptions options = BridgeOptions.parse(new String[] {"--metrics-port=0", "--share-group="}, Map.of())
                .connectedTo("127.0.0.1", broker.port(), kafka.bootstrapServers(), database.jdbcUrl());
        bridge = new MqttKafkaBridge(options, Clock.systemUTC());
        bridge.start();
        inbound.bridge.attach(bridge);
    }

    @AfterEach
    void stop() throws Exception {
        bridge.close();
        broker.close();
        kafka.close();
    }

    @Test
    void oneConnectionWithManyMessagesInFlightGetsThemIntoKafkaInOrderEachAcknowledgedAfterKafka() {
        Mqtt5AsyncClient gateway = connect("gateway-" + org);
        int perDevice = 1000;
        List<String> acknowledgedBeforeKafka = new ArrayList<>();
        List<CompletableFuture<Mqtt5PublishResult>> sent = new ArrayList<>();
        for (int i = 0; i < perDevice; i++) {
            for (String device : List.of("press-1", "press-2")) {
                String topic = "plantline/" + org + "/" + device + "/telemetry";
                String key = topic + " " + i;
                sent.add(publish(gateway, topic, i).whenComplete((result, error) -> {
                    if (!inbound.taken.contains(key)) {
                        synchronized (acknowledgedBeforeKafka) {
                            acknowledgedBeforeKafka.add(key);
                        }
                    }
                }));
            }
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();

        assertThat(sent).allSatisfy(result -> assertThat(result.join().getError()).isEmpty());
        assertThat(acknowledgedBeforeKafka).isEmpty();
        // The connection had many hand-overs to Kafka under way at once, not one at a time.
        assertThat(inbound.mostUnderWay.get()).isGreaterThanOrEqualTo(10);
        Map<String, List<Integer>> inKafka = TestKafka.at(kafka.bootstrapServers())
                .read(Topics.TELEMETRY, 2 * perDevice, Duration.ofSeconds(30)).stream()
                .filter(record -> record.key().startsWith(org + "/"))
                .collect(Collectors.groupingBy(record -> record.key(), Collectors.mapping(
                        record -> seq(new String(record.value(), StandardCharsets.UTF_8)), Collectors.toList())));
        List<Integer> inOrder = IntStream.range(0, perDevice).boxed().toList();
        assertThat(inKafka).hasSize(2).allSatisfy((device, sequence) -> assertThat(sequence).isEqualTo(inOrder));
        gateway.disconnect().join();
    }

    @Test
    void aMessageWhoseHandOverFailsIsNotAcknowledgedAndTheConnectionIsClosedSoItIsSentAgain() {
        inbound.failAfterKafka = SEQ + "5}";
        Mqtt5AsyncClient device = connect("device-" + org);
        String topic = "plantline/" + org + "/press-1/telemetry";
        List<CompletableFuture<Mqtt5PublishResult>> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sent.add(publish(device, topic, i));
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> sent.stream().allMatch(CompletableFuture::isDone));

        assertThat(sent.subList(0, 5)).allSatisfy(result -> assertThat(result.join().getError()).isEmpty());
        assertThat(sent.get(5)).isCompletedExceptionally();
        assertThat(device.getState()).isEqualTo(MqttClientState.DISCONNECTED);
    }

    private Mqtt5AsyncClient connect(String clientId) {
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
        client.connect().join();
        return client;
    }

    private static CompletableFuture<Mqtt5PublishResult> publish(Mqtt5AsyncClient client, String topic, int seq) {
        byte[] payload = ("{\"ts\":\"" + Instant.now() + "\",\"metrics\":{" + SEQ + seq + "}}")
                .getBytes(StandardCharsets.UTF_8);
        return client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send();
    }

    private static int seq(String message) {
        return Integer.parseInt(message.replaceAll("(?s).*" + SEQ + "([0-9]+).*", "$1"));
    }
}
