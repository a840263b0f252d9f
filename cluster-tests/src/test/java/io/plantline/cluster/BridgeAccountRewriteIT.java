package io.plantline.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.plantline.api.db.Database;
import io.plantline.api.mqtt.MosquittoAccounts;
import io.plantline.api.mqtt.ServiceAccount;
import io.plantline.bridge.BridgeOptions;
import io.plantline.bridge.MqttKafkaBridge;
import io.plantline.embedded.FreePorts;
import io.plantline.embedded.KafkaTopics;
import io.plantline.model.Topics;
import io.plantline.model.mqtt.MqttGrant;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import io.plantline.testing.TestMqttBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 29: Mosquitto (dynamic security, as cluster mode runs it) disconnects a bridge whenever a control API writes
 * the bridges' account again (a changed grant after an upgrade, a changed password). The bridges reconnect to their
 * persistent sessions; every reading acknowledged after that must still reach Kafka.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class BridgeAccountRewriteIT {

    private static final String ADMIN_PASSWORD = "the-dynsec-admin-password-of-this-test";
    private static final String BRIDGE_PASSWORD = "the-bridge-password-of-this-test";
    private static final String SIMULATOR_PASSWORD = "the-simulator-password-of-this-test";

    @Test
    void bridgesDisconnectedByAnAccountRewriteForwardEveryReadingAfterIt(TestDatabase database, TestKafka kafka,
                                                                         @TempDir Path folder) throws Exception {
        assumeTrue(MosquittoProcess.installed(), "needs Debian's mosquitto with its dynamic-security plugin");
        SchemaMigration.apply(database.jdbcUrl());
        KafkaTopics.createAll(kafka.bootstrapServers(), 2);
        String org = TestMqttBroker.uniqueOrgSlug();
        database.execute("INSERT INTO organisations (slug, name) VALUES ('" + org + "', 'Test')");
        database.execute("INSERT INTO devices (org_slug, device_id) VALUES ('" + org + "', 'press-1')");
        int port = FreePorts.pick();
        try (MosquittoProcess mosquitto = MosquittoProcess.start(Path.of("..", "mosquitto", "mosquitto.conf"),
                folder.resolve("mosquitto"), port, ADMIN_PASSWORD);
             Database accountsDatabase = new Database(database.jdbcUrl(), 2, Duration.ofSeconds(10))) {
            ServiceAccount bridgeAccount = ServiceAccount.bridge(BRIDGE_PASSWORD);
            List<ServiceAccount> services = List.of(bridgeAccount, ServiceAccount.simulator(org, SIMULATOR_PASSWORD));
            MosquittoAccounts.start("127.0.0.1", port, "admin", ADMIN_PASSWORD, services, accountsDatabase).close();
            BridgeOptions options = BridgeOptions.parse(new String[] {"--client-id=bridge-" + org, "--share-group=g" + org,
                            "--mqtt-connections=2", "--metrics-port=0", "--max-in-flight=65535"}, Map.of())
                    .connectedTo("127.0.0.1", port, kafka.bootstrapServers(), database.jdbcUrl())
                    .withMqttAccount(ServiceAccount.BRIDGE, BRIDGE_PASSWORD);
            try (MqttKafkaBridge bridge = new MqttKafkaBridge(options, Clock.systemUTC())) {
                bridge.start();
                Mqtt5BlockingClient device = simulator(port);
                publish(device, org, 0, 20);
                assertThat(sequencesInKafka(kafka, org, 20)).hasSize(20);

                long disconnects = bridge.metrics().snapshot().disconnects();
                MqttGrant grant = bridgeAccount.grant();
                ServiceAccount upgraded = new ServiceAccount(ServiceAccount.BRIDGE, BRIDGE_PASSWORD,
                        MqttGrant.service(ServiceAccount.BRIDGE, grant.publish(), List.of(Topics.MQTT_DEVICE_FILTER,
                                Topics.MQTT_ROOT + "/+/+/commands")));
                MosquittoAccounts.start("127.0.0.1", port, "admin", ADMIN_PASSWORD,
                        List.of(upgraded, ServiceAccount.simulator(org, SIMULATOR_PASSWORD)), accountsDatabase).close();
                Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> bridge.metrics().snapshot().disconnects() >= disconnects + 2 && healthy(bridge));

                publish(device, org, 20, 20);
                assertThat(sequencesInKafka(kafka, org, 40)).hasSize(40);
                device.disconnect();
            }
        }
    }

    private static boolean healthy(MqttKafkaBridge bridge) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.httpPort()
                + "/health")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }

    private static Mqtt5BlockingClient simulator(int port) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("simulator-of-this-test")
                .serverHost("127.0.0.1").serverPort(port).buildBlocking();
        client.connectWith().simpleAuth().username(ServiceAccount.SIMULATOR)
                .password(SIMULATOR_PASSWORD.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
        return client;
    }

    private static void publish(Mqtt5BlockingClient device, String org, int from, int count) {
        IntStream.range(from, from + count).forEach(sequence -> device.publishWith()
                .topic("plantline/" + org + "/press-1/telemetry").qos(MqttQos.AT_LEAST_ONCE)
                .payload(("{\"ts\":\"" + java.time.Instant.now() + "\",\"metrics\":{\"seq\":" + sequence + "}}")
                        .getBytes(StandardCharsets.UTF_8)).send());
    }

    /** The distinct sequence numbers of this test's readings in Kafka, once there are at least {@code atLeast}. */
    private static Set<Integer> sequencesInKafka(TestKafka kafka, String org, int atLeast) {
        Set<Integer>[] found = new Set[] {Set.of()};
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            found[0] = kafka.read(Topics.TELEMETRY, Integer.MAX_VALUE, Duration.ofSeconds(2)).stream()
                    .filter(record -> record.key().equals(org + "/press-1"))
                    .map(record -> (int) Double.parseDouble(new String(record.value(), StandardCharsets.UTF_8)
                            .replaceAll("(?s).*\"seq\":([0-9.E]+).*", "$1")))
                    .collect(Collectors.toSet());
            return found[0].size() >= atLeast;
        });
        return found[0];
    }
}
