package io.plantline.bridge;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.plantline.model.Topics;
import io.reactivex.schedulers.Schedulers;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the bridge's MQTT connections: a persistent session under its own client id that subscribes to every device
 * topic, in the bridge's share group when it has one. Its messages go to {@code deliveries} on the client's
 * event-loop thread, in the order they arrive.
 */
final class BridgeConnection {

    private static final Logger LOG = LoggerFactory.getLogger(BridgeConnection.class);
    /** After another instance took the client id over, wait this long before taking it back. */
    private static final Duration TAKEOVER_BACKOFF = Duration.ofMinutes(1);
    private static final Duration QUICK_CLOSE = Duration.ofSeconds(5);
    private static final int QUICK_CLOSES_IN_A_ROW = 3;

    private final BridgeOptions options;
    private final String clientId;
    private final Clock clock;
    private final BridgeMetrics metrics;
    private final BridgeHealth health;
    private final Consumer<Mqtt5Publish> deliveries;
    private final Mqtt5AsyncClient client;
    private final CompletableFuture<Void> firstSubscription = new CompletableFuture<>();
    private volatile boolean running = true;
    /** When the connection last came up, and how many connections in a row the broker closed soon after: MQTT client thread only. */
    private long connectedAt;
    private int quickCloses;

    BridgeConnection(BridgeOptions options, String clientId, Clock clock, BridgeMetrics metrics, BridgeHealth health,
                     Consumer<Mqtt5Publish> deliveries) {
        this.options = options;
        this.clientId = clientId;
        this.clock = clock;
        this.metrics = metrics;
        this.health = health;
        this.deliveries = deliveries;
        Mqtt5ClientBuilder builder = MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost(options.mqttHost())
                .serverPort(options.mqttPort())
                // Callbacks run on the client's own event-loop thread, not on RxJava's computation pool: the bridge's
                // callback only queues a message for a sender thread, so it never holds the event loop up. Through the
                // pool the client asked for 128 messages at a time and, whenever the callback fell that far behind,
                // held the rest back and walked its whole queue of unacknowledged messages on every message and
                // every acknowledgement: over a quarter of the bridge's CPU samples in a profile under load.
                .executorConfig().applicationScheduler(Schedulers.trampoline()).applyExecutorConfig()
                .automaticReconnect().initialDelay(500, TimeUnit.MILLISECONDS).maxDelay(30, TimeUnit.SECONDS).applyAutomaticReconnect()
                .addConnectedListener(context -> connected())
                .addDisconnectedListener(this::disconnected);
        if (options.hasMqttAccount()) {
            builder = builder.simpleAuth().username(options.mqttUsername())
                    .password(options.mqttPassword().getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
        }
        this.client = builder.buildAsync();
    }

    /**
     * The subscription: every device topic, in the bridge's share group when it has one. One filter for all kinds, not
     * one per kind, so that a message on a topic outside the contract still reaches the bridge and becomes a dead
     * letter; the commands the bridge sends devices match it too, and {@link MqttKafkaBridge} skips them.
     */
    static String subscription(BridgeOptions options) {
        return options.shareGroup().isEmpty()
                ? Topics.MQTT_DEVICE_FILTER
                : "$share/" + options.shareGroup() + "/" + Topics.MQTT_DEVICE_FILTER;
    }

    /**
     * Connects, and returns once subscribed. The callback is registered before connecting, because a resumed session
     * delivers its queued messages as soon as the connection is up, before any subscribe call returns.
     */
    void start() {
        client.publishes(MqttGlobalPublishFilter.ALL, deliveries, true);
        client.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(options.sessionExpiry().toSeconds())
                .restrictions()
                .receiveMaximum(MqttKafkaBridge.window(options))
                .maximumPacketSize(MqttKafkaBridge.maximumPacketSize(options))
                .applyRestrictions()
                .send().join();
        firstSubscription.join();
    }

    Mqtt5AsyncClient client() {
        return client;
    }

    boolean isConnected() {
        return client.getState().isConnected();
    }

    /**
     * Subscribes on every connection, a resumed session too: Mosquitto 2.0.11 resumes the session of a client its
     * dynamic security disconnected (a control API writing the bridges' account again) with the subscription still
     * listed, and delivers its shared subscription nothing from then on (BridgeAccountRewriteIT). Where the broker kept
     * the subscription, subscribing again changes nothing. Asynchronous: this runs on the client's event loop.
     */
    private void connected() {
        connectedAt = clock.millis();
        health.connected(clientId);
        LOG.info("connected to MQTT broker {}:{} as {}", options.mqttHost(), options.mqttPort(), clientId);
        client.subscribeWith().topicFilter(subscription(options)).qos(MqttQos.AT_LEAST_ONCE).send()
                .whenComplete((subscribed, error) -> {
                    if (error == null) {
                        firstSubscription.complete(null);
                    } else if (!firstSubscription.completeExceptionally(error)) {
                        LOG.error("{} could not subscribe to {}; it subscribes again when it reconnects", clientId,
                                subscription(options), error);
                    }
                });
    }

    /**
     * Another connection with the same client id takes the session over, and taking it straight back would make the
     * two trade it, each time with a window of repeats: this connection steps aside for a while, DOWN and counted. An
     * MQTT 5 broker says so (reason code SESSION_TAKEN_OVER, HiveMQ); Mosquitto 2.0.11 just closes the connection,
     * so {@value #QUICK_CLOSES_IN_A_ROW} closes without a word within {@link #QUICK_CLOSE} of connecting count as well.
     */
    private void disconnected(MqttClientDisconnectedContext context) {
        if (!running) {
            return;
        }
        metrics.disconnected();
        boolean takenOver = context.getCause() instanceof Mqtt5DisconnectException disconnect
                && disconnect.getMqttMessage().getReasonCode() == Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER;
        boolean closedQuickly = context.getCause() instanceof ConnectionClosedException
                && clock.millis() - connectedAt < QUICK_CLOSE.toMillis();
        quickCloses = closedQuickly ? quickCloses + 1 : 0;
        if (takenOver || quickCloses >= QUICK_CLOSES_IN_A_ROW) {
            quickCloses = 0;
            metrics.sessionTakenOver();
            health.clientIdTakenOver(clientId);
            context.getReconnector().delay(TAKEOVER_BACKOFF.toMillis(), TimeUnit.MILLISECONDS);
            LOG.error("another MQTT client took over this bridge's client id {}; stepping aside for {} s. Give each"
                    + " bridge instance its own --client-id", clientId, TAKEOVER_BACKOFF.toSeconds());
            return;
        }
        if (String.valueOf(context.getCause().getMessage()).contains("receive maximum")) {
            LOG.error("the MQTT broker sent more unacknowledged QoS 1 messages than the bridge's window of {}; Mosquitto"
                    + " 2.0.11 and 2.0.12 do this once a backlog is larger than the window, and delivery stalls: use"
                    + " Mosquitto 2.0.13 or later, or a window larger than any backlog (--max-in-flight-bytes)",
                    MqttKafkaBridge.window(options));
        }
        LOG.warn("{} disconnected from MQTT broker {}:{} ({}); reconnecting", clientId, options.mqttHost(),
                options.mqttPort(), context.getCause().toString());
    }

    /** Disconnects; the broker keeps the session (and queues for it) for the session expiry. */
    void close() {
        running = false;
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("MQTT disconnect of {} did not complete: {}", clientId, e.toString());
        }
    }
}
