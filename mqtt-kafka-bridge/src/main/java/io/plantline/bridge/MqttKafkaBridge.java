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
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.plantline.model.Limits;
import io.plantline.model.Topics;
import io.plantline.model.json.DeviceMessageCodec;
import io.reactivex.schedulers.Schedulers;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards device messages from MQTT to Kafka without losing any: it subscribes with a shared subscription
 * and a persistent session, and acknowledges a QoS 1 message to the broker only after Kafka acknowledged
 * its record (idempotent producer, {@code acks=all}). A bridge killed at any moment therefore loses nothing;
 * the broker redelivers what was not acknowledged, which can duplicate at most the window of records per restart.
 *
 * <p>Memory is bounded by bytes: the broker may send at most a window of unacknowledged QoS 1 messages, each no
 * larger than the packet limit the bridge announces, and the window is chosen so that the two multiplied stay within
 * {@code maxInFlightBytes}; QoS 0 messages are dropped (and counted) while the bytes held exceed it.
 *
 * <p>A record Kafka does not take (no metadata for a topic during an outage, a full buffer) is sent again after a
 * growing pause, for as long as it takes, and its MQTT acknowledgement waits; since the client acknowledges in the
 * order it received, the window fills and the broker keeps the rest. Every failure is counted
 * ({@code kafka_errors}), every retry too, and {@code /health} says DOWN with the reason until sends succeed again.
 */
public final class MqttKafkaBridge implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MqttKafkaBridge.class);
    /** Room beside the payload in an MQTT packet (topic, properties) within the packet size the bridge accepts. */
    static final int PACKET_OVERHEAD_BYTES = 64 * 1024;
    private static final Duration FIRST_RETRY = Duration.ofMillis(500);
    private static final Duration LAST_RETRY = Duration.ofSeconds(30);
    /** After another instance took the client id over, wait this long before taking it back. */
    private static final Duration TAKEOVER_BACKOFF = Duration.ofMinutes(1);
    private static final Duration QUICK_CLOSE = Duration.ofSeconds(5);
    private static final int QUICK_CLOSES_IN_A_ROW = 3;

    private final BridgeOptions options;
    private final HikariDataSource database;
    private final DeviceRegistry registry;
    private final KafkaProducer<String, byte[]> producer;
    private final Routing routing;
    private final BridgeMetrics metrics = new BridgeMetrics();
    private final InFlight inFlight;
    private final BridgeHealth health;
    private final Clock clock;
    /** One thread hands messages to the producer, so records of a device reach Kafka in arrival order. */
    private final ExecutorService handoff = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(), runnable -> new Thread(runnable, "bridge-handoff"),
            // Messages still arriving while the bridge stops are dropped unacknowledged: the broker redelivers them.
            new ThreadPoolExecutor.DiscardPolicy());
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
            runnable -> new Thread(runnable, "bridge-kafka-retries"));
    private final Mqtt5AsyncClient mqtt;
    private final CommandRelay commands;
    private BridgeHttpEndpoint http;
    private volatile boolean running = true;
    /** When the connection last came up, and how many connections in a row the broker closed soon after: MQTT client thread only. */
    private long connectedAt;
    private int quickCloses;

    public MqttKafkaBridge(BridgeOptions options, Clock clock) throws java.sql.SQLException {
        this.options = options;
        this.clock = clock;
        this.database = dataSource(options.jdbcUrl());
        this.registry = new DeviceRegistry(database, options.registryRefresh());
        this.producer = new KafkaProducer<>(producerConfig(options), new StringSerializer(), new ByteArraySerializer());
        this.routing = new Routing(new DeviceMessageCodec(options.maxPayloadBytes(), Limits.DEFAULT_MAX_CLOCK_LEAD),
                registry::status, registry::profile, Routing.SOURCE);
        this.inFlight = new InFlight(options.maxInFlightBytes(), clock::millis);
        Mqtt5ClientBuilder client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(options.clientId())
                .serverHost(options.mqttHost())
                .serverPort(options.mqttPort())
                // Callbacks run on the client's own event-loop thread, not on RxJava's computation pool: accept()
                // only queues a message for the handoff thread, so it never holds the event loop up. Through the
                // pool the client asked for 128 messages at a time and, whenever the callback fell that far behind,
                // held the rest back and walked its whole queue of unacknowledged messages on every message and
                // every acknowledgement: over a quarter of the bridge's CPU samples in a profile under load.
                .executorConfig().applicationScheduler(Schedulers.trampoline()).applyExecutorConfig()
                .automaticReconnect().initialDelay(500, TimeUnit.MILLISECONDS).maxDelay(30, TimeUnit.SECONDS).applyAutomaticReconnect()
                .addConnectedListener(context -> connected())
                .addDisconnectedListener(this::disconnected);
        if (options.hasMqttAccount()) {
            client = client.simpleAuth().username(options.mqttUsername())
                    .password(options.mqttPassword().getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
        }
        this.mqtt = client.buildAsync();
        this.commands = new CommandRelay(options.kafkaBootstrap(), mqtt, producer, clock, metrics);
        this.health = new BridgeHealth(() -> this.mqtt.getState().isConnected(), inFlight, options.stallAfter().toMillis(),
                this.commands::isRunning, clock::millis);
    }

    /**
     * Connects and subscribes. The callback is registered before connecting, because a resumed session
     * delivers its queued messages as soon as the connection is up, before any subscribe call returns.
     */
    public void start() throws java.io.IOException {
        http = new BridgeHttpEndpoint(options.metricsPort(), metrics, inFlight, health);
        mqtt.publishes(MqttGlobalPublishFilter.ALL, this::accept, true);
        mqtt.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(options.sessionExpiry().toSeconds())
                .restrictions()
                .receiveMaximum(window(options))
                .maximumPacketSize(maximumPacketSize(options))
                .applyRestrictions()
                .send().join();
        mqtt.subscribeWith()
                .topicFilter(subscription(options))
                .qos(MqttQos.AT_LEAST_ONCE)
                .send().join();
        commands.start();
        LOG.info("bridging {} ({} devices registered) to Kafka {}; window {} messages of at most {} bytes; metrics on port {}",
                subscription(options), registry.size(), options.kafkaBootstrap(), window(options),
                maximumPacketSize(options), http.port());
    }

    /** The largest MQTT packet the bridge accepts: a payload just over the limit still becomes a dead letter. */
    static int maximumPacketSize(BridgeOptions options) {
        return options.maxPayloadBytes() + PACKET_OVERHEAD_BYTES;
    }

    /** The broker's window of unacknowledged QoS 1 messages: at most {@code maxInFlight}, and within the byte budget. */
    static int window(BridgeOptions options) {
        long byBytes = options.maxInFlightBytes() / maximumPacketSize(options);
        return (int) Math.max(1, Math.min(options.maxInFlight(), byBytes));
    }

    /**
     * A shared subscription splits the load between instances. An empty share group subscribes plainly: one
     * instance only, but HiveMQ keeps a single unacknowledged QoS 1 message per share group, so a shared
     * subscription forwards only about one message per Kafka round trip.
     */
    static String subscription(BridgeOptions options) {
        return options.shareGroup().isEmpty()
                ? Topics.MQTT_DEVICE_FILTER
                : "$share/" + options.shareGroup() + "/" + Topics.MQTT_DEVICE_FILTER;
    }

    /** The port of {@code /metrics} and {@code /health} (useful when configured as 0). */
    public int httpPort() {
        return http.port();
    }

    public BridgeMetrics metrics() {
        return metrics;
    }

    private void connected() {
        connectedAt = clock.millis();
        health.connected();
        LOG.info("connected to MQTT broker {}:{}", options.mqttHost(), options.mqttPort());
    }

    /**
     * Another connection with the same client id takes the session over, and taking it straight back would make the
     * two trade it, each time with a window of repeats: this instance steps aside for a while, DOWN and counted. An
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
            health.clientIdTakenOver(options.clientId());
            context.getReconnector().delay(TAKEOVER_BACKOFF.toMillis(), TimeUnit.MILLISECONDS);
            LOG.error("another MQTT client took over this bridge's client id {}; stepping aside for {} s. Give each"
                    + " bridge instance its own --client-id", options.clientId(), TAKEOVER_BACKOFF.toSeconds());
            return;
        }
        if (String.valueOf(context.getCause().getMessage()).contains("receive maximum")) {
            LOG.error("the MQTT broker sent more unacknowledged QoS 1 messages than the bridge's window of {}; Mosquitto"
                    + " 2.0.11 and 2.0.12 do this once a backlog is larger than the window, and delivery stalls: use"
                    + " Mosquitto 2.0.13 or later, or a window larger than any backlog (--max-in-flight-bytes)",
                    window(options));
        }
        LOG.warn("disconnected from MQTT broker {}:{} ({}); reconnecting", options.mqttHost(), options.mqttPort(),
                context.getCause().toString());
    }

    /**
     * A device message on its way to Kafka: acknowledged once Kafka has its record, or given up on while the bridge
     * stops (so that whoever sent it sends it again).
     */
    private record Delivery(String topic, byte[] payload, boolean atLeastOnce, Runnable acknowledge, Runnable abandon) {
    }

    /** On the MQTT client's thread: count the message as received and queue it for the handoff thread. */
    private void accept(Mqtt5Publish publish) {
        if (publish.getTopic().toString().endsWith("/" + Topics.COMMANDS_KIND)) {
            // Our own commands to devices match the device filter; they are not device messages.
            publish.acknowledge();
            return;
        }
        admit(new Delivery(publish.getTopic().toString(), publish.getPayloadAsBytes(),
                publish.getQos() != MqttQos.AT_MOST_ONCE, publish::acknowledge, () -> { }));
    }

    /**
     * A device message handed over by the broker before it acknowledges it to the device (local mode's embedded
     * broker does this): the future completes once Kafka has the record, so the device is told "received" only then,
     * and fails if the bridge stops first, so the device sends it again.
     */
    public CompletableFuture<Void> take(String topic, byte[] payload, boolean atLeastOnce) {
        CompletableFuture<Void> taken = new CompletableFuture<>();
        admit(new Delivery(topic, payload, atLeastOnce, () -> taken.complete(null),
                () -> taken.completeExceptionally(new IllegalStateException("the bridge is stopping"))));
        return taken;
    }

    private void admit(Delivery delivery) {
        if (!running) {
            delivery.abandon().run();
            return;
        }
        int bytes = delivery.payload().length;
        metrics.received();
        if (!delivery.atLeastOnce()) {
            if (!inFlight.tryAdmit(bytes)) {
                metrics.qos0Dropped();
                delivery.acknowledge().run();
                return;
            }
        } else {
            inFlight.admit(bytes);
        }
        handoff.execute(() -> send(delivery, routing.route(delivery.topic(), delivery.payload(), clock.instant()), 0));
    }

    /** Sends the record; on success acknowledges the message, on failure sends it again later (QoS 1) or drops it. */
    private void send(Delivery delivery, Routing.Route route, int attempt) {
        int bytes = delivery.payload().length;
        if (!running) {
            inFlight.release(bytes, false);
            delivery.abandon().run();
            return;
        }
        producer.send(route.record(), (metadata, error) -> {
            if (error == null) {
                health.sendSucceeded();
                metrics.completed(route);
                inFlight.release(bytes, true);
                delivery.acknowledge().run();
                return;
            }
            metrics.kafkaError();
            health.sendFailed(error);
            if (!delivery.atLeastOnce()) {
                LOG.warn("Kafka did not take a QoS 0 message for {} ({}); dropped", route.record().key(), error.toString());
                metrics.qos0Dropped();
                inFlight.release(bytes, false);
                delivery.acknowledge().run();
                return;
            }
            Duration pause = retryPause(attempt);
            LOG.warn("Kafka did not take the record for {} ({}); sending it again in {} ms, its acknowledgement waits",
                    route.record().key(), error.toString(), pause.toMillis());
            metrics.kafkaRetry();
            try {
                retries.schedule(() -> send(delivery, route, attempt + 1), pause.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                inFlight.release(bytes, false);
                delivery.abandon().run();
            }
        });
    }

    static Duration retryPause(int attempt) {
        long millis = FIRST_RETRY.toMillis() << Math.min(attempt, 16);
        return Duration.ofMillis(Math.min(millis, LAST_RETRY.toMillis()));
    }

    @Override
    public void close() {
        running = false;
        try {
            commands.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            mqtt.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("MQTT disconnect did not complete: {}", e.toString());
        }
        handoff.shutdown();
        retries.shutdownNow();
        try {
            handoff.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
        registry.close();
        database.close();
        if (http != null) {
            http.close();
        }
    }

    private static Properties producerConfig(BridgeOptions options) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.kafkaBootstrap());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, options.clientId());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.put(ProducerConfig.LINGER_MS_CONFIG, (int) options.kafkaLinger().toMillis());
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        // Room for every message the bridge may hold, so a send never waits for buffer space the window already bounds.
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(32L << 20, 2 * options.maxInFlightBytes()));
        // Never give up on a record: the device's message is not acknowledged until Kafka has it.
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        // How long a send waits for metadata or buffer space; then its callback reports the failure and it is sent again.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) options.kafkaMaxBlock().toMillis());
        return config;
    }

    private static HikariDataSource dataSource(String jdbcUrl) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(2);
        config.setPoolName("bridge-registry");
        return new HikariDataSource(config);
    }
}
