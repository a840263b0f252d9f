package io.plantline.bridge;

import io.plantline.config.JdbcAddress;
import io.plantline.config.Settings;
import io.plantline.model.Limits;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The bridge's settings ({@link Settings}: {@code --name=value}, else {@code PLANTLINE_BRIDGE_NAME}, else default).
 *
 * @param mqttHost          {@code --mqtt-host}, default 127.0.0.1
 * @param mqttPort          {@code --mqtt-port}, default 1883
 * @param kafkaBootstrap    {@code --kafka-bootstrap}, default localhost:9092
 * @param database          device registry database ({@code --jdbc-url}, default jdbc:postgresql://localhost:5432/plantline),
 *                          and the login apart from it ({@code --jdbc-user}, {@code --jdbc-password}; {@link JdbcAddress})
 * @param clientId          MQTT client id; keep it stable per instance, since the broker keeps the session
 *                          under it ({@code --client-id}, default {@code plantline-bridge-1})
 * @param shareGroup        instances in the same group split the messages ({@code --share-group}, default {@code bridge});
 *                          empty subscribes without sharing, for a single instance
 * @param mqttConnections   MQTT connections of this instance, each a member of the share group with a session of its
 *                          own (client ids {@code clientId}, then {@code clientId.2}, {@code clientId.3}...) and its
 *                          own sending thread ({@code --mqtt-connections}, default one per core; 1 without a share
 *                          group, where each connection would receive every message). Lowering it strands what the
 *                          dropped connections' sessions queued until they connect again or expire, as with an
 *                          instance taken out of the group
 * @param sessionExpiry     how long the broker queues messages for a bridge that is down
 *                          ({@code --session-expiry-s}, default 86400)
 * @param maxInFlight       messages received but not yet in Kafka, over all connections; the broker sends no more until some are
 *                          acknowledged, which bounds memory ({@code --max-in-flight}, default 1000)
 * @param maxInFlightBytes  payload bytes the bridge holds at most: the window is cut so that it times the largest
 *                          packet stays within this, and QoS 0 messages are dropped beyond it
 *                          ({@code --max-in-flight-bytes}, default 64 MiB)
 * @param maxPayloadBytes   larger payloads are dead-lettered ({@code --max-payload-bytes}, default 262144)
 * @param kafkaLinger       how long the producer waits to fill a batch ({@code --kafka-linger-ms}, default 5): larger
 *                          batches cost Kafka and the bridge less CPU per record, and every millisecond is added to
 *                          the MQTT acknowledgement, so a QoS 1 flow is bounded by {@code maxInFlight / (linger + round trip)}
 * @param registryRefresh   how often the device registry is reloaded ({@code --registry-refresh-ms}, default 2000)
 * @param metricsPort       {@code /metrics} and {@code /health} ({@code --metrics-port}, default 9464; 0 picks a free port)
 * @param kafkaMaxBlock     how long a send waits for Kafka metadata or buffer space before it fails and is tried again
 *                          ({@code --kafka-max-block-ms}, default 30000)
 * @param stallAfter        {@code /health} says DOWN when a message has waited for Kafka this long
 *                          ({@code --stall-after-ms}, default 30000)
 * @param mqttUsername      the bridge's MQTT account ({@code --mqtt-username}, default {@code plantline-bridge}); used
 *                          when a password is given
 * @param mqttPassword      its password ({@code --mqtt-password}, best as {@code PLANTLINE_BRIDGE_MQTT_PASSWORD}); empty
 *                          connects anonymously, which only an open broker accepts
 */
public record BridgeOptions(String mqttHost, int mqttPort, String kafkaBootstrap, JdbcAddress database, String clientId,
                            String shareGroup, int mqttConnections, Duration sessionExpiry, int maxInFlight, long maxInFlightBytes,
                            int maxPayloadBytes, Duration kafkaLinger, Duration kafkaMaxBlock, Duration registryRefresh,
                            int metricsPort, Duration stallAfter, String mqttUsername, String mqttPassword) {

    public static final Set<String> NAMES = Set.of("mqtt-host", "mqtt-port", "kafka-bootstrap", "jdbc-url", "jdbc-user", "jdbc-password", "client-id",
            "share-group", "mqtt-connections", "session-expiry-s", "max-in-flight", "max-in-flight-bytes", "max-payload-bytes",
            "kafka-linger-ms", "kafka-max-block-ms", "registry-refresh-ms", "metrics-port", "stall-after-ms", "mqtt-username",
            "mqtt-password");

    public static BridgeOptions parse(String[] args, Map<String, String> environment) {
        Settings settings = Settings.parse(args, environment, "PLANTLINE_BRIDGE", NAMES);
        String shareGroup = settings.string("share-group", "bridge");
        int connections = (int) settings.number("mqtt-connections",
                shareGroup.isEmpty() ? 1 : Runtime.getRuntime().availableProcessors(), 1, 64);
        if (shareGroup.isEmpty() && connections > 1) {
            throw new IllegalArgumentException(Settings.describe("PLANTLINE_BRIDGE", "mqtt-connections")
                    + " above 1 needs a share group (--share-group): without one every connection receives every message");
        }
        return new BridgeOptions(
                settings.string("mqtt-host", "127.0.0.1"),
                (int) settings.number("mqtt-port", 1883, 1, 65535),
                settings.string("kafka-bootstrap", "localhost:9092"),
                JdbcAddress.from(settings, "jdbc:postgresql://localhost:5432/plantline"),
                settings.string("client-id", "plantline-bridge-1"),
                shareGroup,
                connections,
                Duration.ofSeconds(settings.number("session-expiry-s", 86_400, 0, 4_294_967_295L)),
                (int) settings.number("max-in-flight", 1000, 1, 65_535),
                settings.number("max-in-flight-bytes", 64L << 20, 1 << 20, 1L << 34),
                (int) settings.number("max-payload-bytes", Limits.DEFAULT_MAX_PAYLOAD_BYTES, 1, 10 << 20),
                Duration.ofMillis(settings.number("kafka-linger-ms", 5, 0, 1000)),
                Duration.ofMillis(settings.number("kafka-max-block-ms", 30_000, 100, 600_000)),
                Duration.ofMillis(settings.number("registry-refresh-ms", 2000, 100, 3_600_000)),
                (int) settings.number("metrics-port", 9464, 0, 65535),
                Duration.ofMillis(settings.number("stall-after-ms", 30_000, 1_000, 3_600_000)),
                settings.string("mqtt-username", "plantline-bridge"),
                settings.string("mqtt-password", ""));
    }

    /** The same bridge attached to other servers (local mode and tests pick ports at run time). */
    public BridgeOptions connectedTo(String mqttHost, int mqttPort, String kafkaBootstrap, String jdbcUrl) {
        return new BridgeOptions(mqttHost, mqttPort, kafkaBootstrap, JdbcAddress.of(jdbcUrl), clientId, shareGroup,
                mqttConnections, sessionExpiry, maxInFlight, maxInFlightBytes, maxPayloadBytes, kafkaLinger, kafkaMaxBlock,
                registryRefresh, metricsPort, stallAfter, mqttUsername, mqttPassword);
    }

    /** The same bridge with an MQTT account (local mode makes one at every start). */
    public BridgeOptions withMqttAccount(String username, String password) {
        return new BridgeOptions(mqttHost, mqttPort, kafkaBootstrap, database, clientId, shareGroup, mqttConnections, sessionExpiry,
                maxInFlight, maxInFlightBytes, maxPayloadBytes, kafkaLinger, kafkaMaxBlock, registryRefresh, metricsPort,
                stallAfter, username, password);
    }

    /** Whether the bridge logs in with an account rather than anonymously. */
    public boolean hasMqttAccount() {
        return !mqttPassword.isEmpty();
    }
}
