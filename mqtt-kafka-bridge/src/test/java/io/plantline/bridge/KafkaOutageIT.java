package io.plantline.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.plantline.embedded.EmbeddedKafkaCluster;
import io.plantline.embedded.FreePorts;
import io.plantline.embedded.KafkaTopics;
import io.plantline.model.Topics;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.MqttBrokerExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import io.plantline.testing.TestMqttBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka goes away mid-stream and comes back: the bridge holds acknowledgements meanwhile and loses nothing.
 * It needs a broker of its own that it can stop, so it always uses an embedded one.
 */
@ExtendWith({PostgresExtension.class, MqttBrokerExtension.class})
class KafkaOutageIT {

    @TempDir
    Path kafkaDir;

    @Test
    void kafkaStoppedAndRestartedMidStreamLosesNothing(TestDatabase database, TestMqttBroker broker) throws Exception {
        SchemaMigration.apply(database.jdbcUrl());
        String org = TestMqttBroker.uniqueOrgSlug();
        database.execute("INSERT INTO organisations (slug, name) VALUES ('" + org + "', 'Test')");
        database.execute("INSERT INTO devices (org_slug, device_id) VALUES ('" + org + "', 'press-1')");
        int port = FreePorts.pick();
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(port, kafkaDir, 64L << 20)) {
            KafkaTopics.createAll(kafka.bootstrapServers(), 2);
            // A small in-flight limit shows the bound during the outage. Mosquitto 2.0.11 sent more unacknowledged
            // messages than a Receive Maximum of 100 allows (the client then disconnects, and messages repeat), so
            // against an external broker the default limit is used; see the bridge README.
            int maxInFlight = broker.embedded() ? 100 : 1000;
            BridgeOptions options = BridgeOptions.parse(BrokerWindow.with(broker, "--client-id=outage-" + org,
                    "--share-group=g" + org, "--metrics-port=0", "--max-in-flight=" + maxInFlight), Map.of())
                    .connectedTo(broker.host(), broker.port(), kafka.bootstrapServers(), database.jdbcUrl());
            Mqtt5BlockingClient device = MqttClient.builder().useMqttVersion5().identifier("device-" + org)
                    .serverHost(broker.host()).serverPort(broker.port()).buildBlocking();
            device.connect();
            int total = 600;
            try (MqttKafkaBridge bridge = new MqttKafkaBridge(options, Clock.systemUTC())) {
                bridge.start();
                for (int i = 0; i < total; i++) {
                    if (i == 200) {
                        kafka.stopBroker();
                    }
                    device.publishWith().topic("plantline/" + org + "/press-1/telemetry").qos(MqttQos.AT_LEAST_ONCE)
                            .payload(("{\"ts\":\"" + Instant.now() + "\",\"metrics\":{\"seq\":" + i + "}}")
                                    .getBytes(StandardCharsets.UTF_8)).send();
                }
                // During the outage at most max-in-flight messages are held by the bridge; the broker keeps the rest.
                BridgeMetrics.Snapshot during = bridge.metrics().snapshot();
                assertThat(during.inFlight()).isLessThanOrEqualTo(options.maxInFlight());
                assertThat(during.forwarded()).isLessThan(total);

                kafka.startBroker();
                Awaitility.await().atMost(Duration.ofSeconds(90))
                        .until(() -> bridge.metrics().snapshot().forwarded() >= total);
                Set<String> sequences = TestKafka.at(kafka.bootstrapServers())
                        .read(Topics.TELEMETRY, total, Duration.ofSeconds(30)).stream()
                        .filter(record -> record.key().startsWith(org + "/"))
                        .map(record -> new String(record.value(), StandardCharsets.UTF_8)
                                .replaceAll(".*\"seq\":([0-9.]+).*", "$1"))
                        .collect(Collectors.toSet());
                assertThat(sequences).hasSize(total);
                assertThat(bridge.metrics().snapshot().inFlight()).isZero();
            }
            device.disconnect();
        }
    }
}
