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
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.plantline.api.mqtt.ServiceAccount;
import io.plantline.model.Limits;
import io.plantline.testing.UniqueNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a device may do on MQTT, the same on both brokers (the embedded one as local mode configures it, handing
 * device messages to the bridge before acknowledging them, and Mosquitto with its dynamic-security plugin and the
 * project's configuration in cluster mode). Devices are made through the API, as a user makes them.
 */
abstract class DeviceMqttAccessContract {

    static final String BRIDGE_PASSWORD = "the-bridge-password-of-this-test";
    /** Revocation is reviewed every 2 s on both brokers; this leaves room for a slow machine. */
    private static final Duration WITHIN_SECONDS = Duration.ofSeconds(10);

    /** The API a subclass started, its organisation, and the broker's port. */
    record Setup(TestApi server, TestApi.Org org, int brokerPort) {
    }

    abstract Setup setup();

    /** The device messages that reach the bridge, as they reach it. */
    interface Uplinks extends AutoCloseable {

        /** The next message's topic, or empty if none arrives within {@code within}. */
        Optional<String> next(Duration within) throws InterruptedException;

        @Override
        void close();
    }

    /**
     * The device messages that reach the bridge from now on; by default through its subscription, as in cluster mode,
     * where the bridge reads them as a subscriber (in a share group of its own: the bridges of earlier tests stay).
     */
    Uplinks uplinks(Mqtt5BlockingClient bridge) {
        bridge.subscribeWith().topicFilter("$share/" + UniqueNames.suffix() + "/plantline/+/+/+")
                .qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient.Mqtt5Publishes publishes = bridge.publishes(MqttGlobalPublishFilter.ALL);
        return new Uplinks() {
            @Override
            public Optional<String> next(Duration within) throws InterruptedException {
                return publishes.receive(within.toMillis(), TimeUnit.MILLISECONDS)
                        .map(publish -> publish.getTopic().toString());
            }

            @Override
            public void close() {
                publishes.close();
            }
        };
    }

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

        Mqtt5BlockingClient bridge = connect(ServiceAccount.BRIDGE, BRIDGE_PASSWORD);
        try (Uplinks toBridge = uplinks(bridge)) {
            Mqtt5BlockingClient device = connect(username, key);
            device.publishWith().topic(own + "telemetry").payload(bytes("{\"ok\":1}")).qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(toBridge.next(Duration.ofSeconds(10))).contains(own + "telemetry");

            assertThatThrownBy(() -> device.subscribeWith().topicFilter("plantline/+/+/commands").send())
                    .isInstanceOf(Mqtt5SubAckException.class);
            assertThatThrownBy(() -> device.subscribeWith().topicFilter(neighbour + "commands").send())
                    .isInstanceOf(Mqtt5SubAckException.class);
            assertPublishRefused(username, key, neighbour + "telemetry");
            assertPublishRefused(username, key, neighbour + "heartbeat");
            assertPublishRefused(username, key, own + "commands");
            assertThat(toBridge.next(Duration.ofSeconds(2))).as("a refused publish reached the bridge").isEmpty();

            // The refusals connected under the device's own id, which took its session over: connect again.
            Mqtt5BlockingClient listening = connect(username, key);
            // Listening before subscribing: the client drops a publish that arrives before a flow is registered for it.
            try (Mqtt5BlockingClient.Mqtt5Publishes commands = listening.publishes(MqttGlobalPublishFilter.ALL)) {
                listening.subscribeWith().topicFilter(own + "commands").qos(MqttQos.AT_LEAST_ONCE).send();
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

    /**
     * A client id is bound to its account: a device connects only under its user name, so it can take over neither
     * another device's session nor the bridge's (which would stop ingestion for every organisation).
     */
    @Test
    void aDeviceCanTakeOverNeitherTheBridgesSessionNorAnotherDevices() {
        String key = newDevice("saw-1");
        String otherKey = newDevice("saw-2");
        String username = org().slug() + "/saw-1";
        String otherUsername = org().slug() + "/saw-2";
        String bridgeId = UniqueNames.of(ServiceAccount.BRIDGE);
        Mqtt5BlockingClient bridge = connect(ServiceAccount.BRIDGE, BRIDGE_PASSWORD, bridgeId);
        Mqtt5BlockingClient other = connect(otherUsername, otherKey);

        assertClientIdRefused(client(Optional.of(username), key, bridgeId));
        assertClientIdRefused(client(Optional.of(username), key, otherUsername));
        assertClientIdRefused(client(Optional.of(username), key, UniqueNames.of("any-id")));
        assertClientIdRefused(client(Optional.of(username), key, ""));

        await().during(Duration.ofSeconds(2)).atMost(WITHIN_SECONDS).until(() -> bridge.getState().isConnected()
                && other.getState().isConnected());
        assertThat(connect(username, key).getState().isConnected()).isTrue();
    }

    /**
     * A publish larger than the contract's largest packet is refused by the broker (the client is told the limit at
     * connection and, should it send one anyway, is disconnected), so no device is told "received" for a message the
     * bridge then drops. MQTT 3.1.1 clients are not told the limit: the broker enforces it.
     */
    @Test
    void aPublishLargerThanTheContractsLargestPacketIsRefusedNeverAcknowledged() throws Exception {
        String key = newDevice("kiln-1");
        String username = org().slug() + "/kiln-1";
        String telemetry = "plantline/" + org().slug() + "/kiln-1/telemetry";
        byte[] oversize = new byte[Limits.MAX_MQTT_PACKET_BYTES + 1];

        try (Uplinks toBridge = uplinks(connect(ServiceAccount.BRIDGE, BRIDGE_PASSWORD))) {
            Mqtt5BlockingClient device = connect(username, key);
            assertThat(device.getState().isConnected()).isTrue();
            assertThatThrownBy(() -> device.publishWith().topic(telemetry).payload(oversize)
                    .qos(MqttQos.AT_LEAST_ONCE).send()).as("an MQTT 5 publish over the limit").isNotNull();

            Mqtt3BlockingClient device3 = MqttClient.builder().useMqttVersion3().identifier(username)
                    .serverHost("127.0.0.1").serverPort(brokerPort())
                    .simpleAuth().username(username).password(bytes(key)).applySimpleAuth().buildBlocking();
            device3.connect();
            assertThatThrownBy(() -> device3.publishWith().topic(telemetry).payload(oversize)
                    .qos(MqttQos.AT_LEAST_ONCE).send()).as("an MQTT 3.1.1 publish over the limit").isNotNull();
            assertThat(toBridge.next(Duration.ofSeconds(2))).as("an oversize publish reached the bridge").isEmpty();

            Mqtt5BlockingClient again = connect(username, key);
            again.publishWith().topic(telemetry).payload(new byte[Limits.DEFAULT_MAX_PAYLOAD_BYTES])
                    .qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(toBridge.next(Duration.ofSeconds(10))).as("a payload of the largest size allowed").contains(telemetry);
        }
    }

    /** Registers a device through the API; its write key. */
    String newDevice(String deviceId) {
        TestApi.Response created = server().call("POST", "/devices", org().operatorToken(), Map.of("deviceId", deviceId));
        assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
        return created.data().get("writeKey").asText();
    }

    /** Connects under the client id the account is bound to: a device's user name, or the service's name and more. */
    Mqtt5BlockingClient connect(String username, String password) {
        return connect(username, password, ownClientId(username));
    }

    private Mqtt5BlockingClient connect(String username, String password, String clientId) {
        Mqtt5BlockingClient client = client(Optional.of(username), password, clientId);
        client.connect();
        return client;
    }

    private static String ownClientId(String username) {
        return username.contains("/") ? username : UniqueNames.of(username);
    }

    private Mqtt5BlockingClient client(Optional<String> username, String password) {
        return client(username, password, ownClientId(username.orElse("anonymous")));
    }

    private Mqtt5BlockingClient client(Optional<String> username, String password, String clientId) {
        Mqtt5ClientBuilder builder = MqttClient.builder().useMqttVersion5()
                .identifier(clientId)
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

    private static void assertClientIdRefused(Mqtt5BlockingClient client) {
        assertThatThrownBy(client::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class, refused ->
                assertThat(refused.getMqttMessage().getReasonCode()).isIn(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED,
                        Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID));
    }

    private static void awaitClosed(Mqtt5BlockingClient client) {
        await().atMost(WITHIN_SECONDS).until(() -> !client.getState().isConnected());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
