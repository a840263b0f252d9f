package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.exceptions.MqttSessionExpiredException;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.plantline.testing.UniqueNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 1: what a device may do on MQTT, the same on both brokers (the embedded one of local mode, and
 * Mosquitto with its dynamic-security plugin in cluster mode). Devices are made through the API, as a user makes them.
 */
abstract class DeviceMqttAccessContract {

    static final String BRIDGE_PASSWORD = "the-bridge-password-of-this-test";
    /** Revocation is reviewed every 2 s on both brokers; this leaves room for a slow machine. */
    private static final Duration WITHIN_SECONDS = Duration.ofSeconds(10);

    /** The API a subclass started, its organisation, and the broker's port. */
    record Setup(TestApi server, TestApi.Org org, int brokerPort) {
    }

    abstract Setup setup();

    private TestApi server() {
        return setup().server();
    }

    private TestApi.Org org() {
        return setup().org();
    }

    private int brokerPort() {
        return setup().brokerPort();
    }

    @Test
    void anonymousClientsAndWrongKeysAreRefused() {
        String key = newDevice("press-1");
        String other = newDevice("press-2");

        assertRefused(client(Optional.empty(), ""));
        assertRefused(client(Optional.of(org().slug() + "/press-1"), "plk_0000000000000000_" + "x".repeat(43)));
        assertRefused(client(Optional.of(org().slug() + "/press-1"), other));
        assertRefused(client(Optional.of(org().slug() + "/press-1"), ""));
        assertRefused(client(Optional.of("plantline-bridge"), key));
        assertThat(connect(org().slug() + "/press-1", key).getState().isConnected()).isTrue();
    }

    @Test
    void aDevicePublishesOnlyToItsOwnTopicsAndReadsOnlyItsOwnCommands() throws Exception {
        String key = newDevice("lathe-1");
        newDevice("lathe-2");
        String username = org().slug() + "/lathe-1";
        String own = "plantline/" + org().slug() + "/lathe-1/";
        String neighbour = "plantline/" + org().slug() + "/lathe-2/";

        Mqtt5BlockingClient bridge = connect("plantline-bridge", BRIDGE_PASSWORD);
        bridge.subscribeWith().topicFilter("$share/bridge/plantline/+/+/+").qos(MqttQos.AT_LEAST_ONCE).send();
        try (Mqtt5BlockingClient.Mqtt5Publishes toBridge = bridge.publishes(MqttGlobalPublishFilter.ALL)) {
            Mqtt5BlockingClient device = connect(username, key);
            device.publishWith().topic(own + "telemetry").payload(bytes("{\"ok\":1}")).qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(toBridge.receive(10, TimeUnit.SECONDS)).map(publish -> publish.getTopic().toString())
                    .contains(own + "telemetry");

            assertThatThrownBy(() -> device.subscribeWith().topicFilter("plantline/+/+/commands").send())
                    .isInstanceOf(Mqtt5SubAckException.class);
            assertThatThrownBy(() -> device.subscribeWith().topicFilter(neighbour + "commands").send())
                    .isInstanceOf(Mqtt5SubAckException.class);
            assertPublishRefused(username, key, neighbour + "telemetry");
            assertPublishRefused(username, key, own + "commands");
            assertThat(toBridge.receive(2, TimeUnit.SECONDS)).as("a refused publish reached a subscriber").isEmpty();

            // Listening before subscribing: the client drops a publish that arrives before a flow is registered for it.
            try (Mqtt5BlockingClient.Mqtt5Publishes commands = device.publishes(MqttGlobalPublishFilter.ALL)) {
                device.subscribeWith().topicFilter(own + "commands").qos(MqttQos.AT_LEAST_ONCE).send();
                bridge.publishWith().topic(own + "commands").payload(bytes("{\"command\":\"reboot\"}"))
                        .qos(MqttQos.AT_LEAST_ONCE).send();
                assertThat(commands.receive(10, TimeUnit.SECONDS))
                        .map(publish -> new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8))
                        .contains("{\"command\":\"reboot\"}");
            }
        }
    }

    @Test
    void disablingRekeyingOrDeletingADeviceClosesItsConnectionWithinSeconds() {
        String key = newDevice("mill-1");
        String username = org().slug() + "/mill-1";

        Mqtt5BlockingClient connected = connect(username, key);
        assertThat(server().call("POST", "/devices/mill-1/disable", org().operatorToken(), null).status()).isEqualTo(200);
        awaitClosed(connected);
        await().atMost(WITHIN_SECONDS).untilAsserted(() -> assertRefused(client(Optional.of(username), key)));

        assertThat(server().call("POST", "/devices/mill-1/enable", org().operatorToken(), null).status()).isEqualTo(200);
        await().atMost(WITHIN_SECONDS).ignoreExceptions().until(() -> connect(username, key).getState().isConnected());

        Mqtt5BlockingClient beforeRotation = connect(username, key);
        TestApi.Response rotated = server().call("POST", "/devices/mill-1/write-key", org().operatorToken(), null);
        assertThat(rotated.status()).isEqualTo(200);
        String newKey = rotated.data().get("writeKey").asText();
        awaitClosed(beforeRotation);
        assertRefused(client(Optional.of(username), key));
        Mqtt5BlockingClient afterRotation = connect(username, newKey);

        assertThat(server().call("DELETE", "/devices/mill-1", org().adminToken(), null).status()).isEqualTo(204);
        awaitClosed(afterRotation);
        await().atMost(WITHIN_SECONDS).untilAsserted(() -> assertRefused(client(Optional.of(username), newKey)));
    }

    /** Registers a device through the API; its write key. */
    String newDevice(String deviceId) {
        TestApi.Response created = server().call("POST", "/devices", org().operatorToken(), Map.of("deviceId", deviceId));
        assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
        return created.data().get("writeKey").asText();
    }

    Mqtt5BlockingClient connect(String username, String password) {
        Mqtt5BlockingClient client = client(Optional.of(username), password);
        client.connect();
        return client;
    }

    private Mqtt5BlockingClient client(Optional<String> username, String password) {
        Mqtt5ClientBuilder builder = MqttClient.builder().useMqttVersion5()
                .identifier(UniqueNames.of("access-test"))
                .serverHost("127.0.0.1").serverPort(brokerPort());
        if (username.isPresent()) {
            builder = builder.simpleAuth().username(username.get()).password(bytes(password)).applySimpleAuth();
        }
        return builder.buildBlocking();
    }

    /**
     * On a connection of its own: Mosquitto answers an error PUBACK and keeps the client; HiveMQ answers one and closes
     * the connection, which may come first.
     */
    private void assertPublishRefused(String username, String password, String topic) {
        Mqtt5BlockingClient client = connect(username, password);
        assertThatThrownBy(() -> client.publishWith().topic(topic).payload(bytes("{}")).qos(MqttQos.AT_LEAST_ONCE).send())
                .as(topic).isInstanceOfAny(Mqtt5PubAckException.class, MqttSessionExpiredException.class);
    }

    private static void assertRefused(Mqtt5BlockingClient client) {
        assertThatThrownBy(client::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class, refused ->
                assertThat(refused.getMqttMessage().getReasonCode()).isIn(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED,
                        Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
    }

    private static void awaitClosed(Mqtt5BlockingClient client) {
        await().atMost(WITHIN_SECONDS).until(() -> !client.getState().isConnected());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
