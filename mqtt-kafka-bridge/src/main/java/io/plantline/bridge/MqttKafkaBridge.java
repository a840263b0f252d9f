package io.plantline.bridge;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.plantline.config.JdbcAddress;
import io.plantline.model.Limits;
import io.plantline.model.Topics;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
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
 * growing pause, for as long as it takes, and its MQTT acknowledgement waits; a record Kafka will never take (too
 * large for its topic) becomes a dead letter instead; since the client acknowledges in the
 * order it received, the window fills and the broker keeps the rest. Every failure is counted
 * ({@code kafka_errors}), every retry too, and {@code /health} says DOWN with the reason until sends succeed again.
 *
 * <p>One instance uses every core: several MQTT connections in the share group ({@link BridgeConnection}), each with
 * its share of the window, and as many sender threads as cores, which validate and hand records to the one Kafka
 * producer. A connection's messages keep their order on their way to Kafka; a share group splits a device's
 * messages between connections as it does between instances, and the jobs order readings by event time.
 */
public final class MqttKafkaBridge implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MqttKafkaBridge.class);
    private static final Duration FIRST_RETRY = Duration.ofMillis(500);
    private static final Duration LAST_RETRY = Duration.ofSeconds(30);

    private final BridgeOptions options;
    private final HikariDataSource database;
    private final DeviceRegistry registry;
    private final KafkaProducer<String, byte[]> producer;
    private final Routing routing;
    private final BridgeMetrics metrics = new BridgeMetrics();
    private final InFlight inFlight;
    private final BridgeHealth health;
    private final Clock clock;
    /**
     * Single threads that validate messages and hand them to the producer, so records of a connection (and, in local
     * mode, of a device) reach Kafka in arrival order.
     */
    private final List<ExecutorService> senders;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
            runnable -> new Thread(runnable, "bridge-kafka-retries"));
    private final Set<Retry> waitingRetries = ConcurrentHashMap.newKeySet();
    private final List<BridgeConnection> connections;
    private final CommandRelay commands;
    private BridgeHttpEndpoint http;
    private volatile boolean running = true;

    public MqttKafkaBridge(BridgeOptions options, Clock clock) throws java.sql.SQLException {
        this.options = options;
        this.clock = clock;
        this.database = dataSource(options.database());
        this.registry = new DeviceRegistry(database, options.registryRefresh());
        this.producer = new KafkaProducer<>(producerConfig(options), new StringSerializer(), new ByteArraySerializer());
        this.routing = new Routing(new DeviceMessageCodec(options.maxPayloadBytes(), Limits.DEFAULT_MAX_CLOCK_LEAD),
                registry::status, registry::profile, Routing.SOURCE);
        this.inFlight = new InFlight(options.maxInFlightBytes(), clock::millis);
        this.senders = IntStream.range(0, Runtime.getRuntime().availableProcessors())
                .mapToObj(MqttKafkaBridge::sender).toList();
        this.health = new BridgeHealth(this::mqttConnected, inFlight, options.stallAfter().toMillis(),
                this::relayRunning, registry::reloadProblem, clock::millis);
        this.connections = IntStream.range(0, options.mqttConnections())
                .mapToObj(index -> {
                    ExecutorService sender = senders.get(index % senders.size());
                    String clientId = index == 0 ? options.clientId() : options.clientId() + "." + (index + 1);
                    return new BridgeConnection(options, clientId, clock, metrics, health, publish -> accept(publish, sender));
                })
                .toList();
        this.commands = new CommandRelay(options.kafkaBootstrap(), connections.get(0).client(), producer, clock, metrics);
    }

    /** Messages arriving once a sender stopped are refused ({@link RejectedExecutionException}) and let go. */
    private static ExecutorService sender(int index) {
        return new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                runnable -> new Thread(runnable, "bridge-sender-" + (index + 1)));
    }

    private boolean mqttConnected() {
        return connections.stream().allMatch(BridgeConnection::isConnected);
    }

    private boolean relayRunning() {
        return commands.isRunning();
    }

    /** Connects and subscribes every connection, and starts relaying commands. */
    public void start() throws java.io.IOException {
        http = new BridgeHttpEndpoint(options.metricsPort(), metrics, inFlight, health);
        connections.forEach(BridgeConnection::start);
        commands.start();
        LOG.info("bridging {} over {} connections ({} devices registered) to Kafka {}; window {} messages of at most {}"
                + " bytes per connection; metrics on port {}", BridgeConnection.subscription(options), connections.size(),
                registry.size(), options.kafkaBootstrap(), window(options), maximumPacketSize(options), http.port());
    }

    /** The largest MQTT packet the bridge accepts: a payload just over the limit still becomes a dead letter. */
    static int maximumPacketSize(BridgeOptions options) {
        return options.maxPayloadBytes() + Limits.MQTT_PACKET_OVERHEAD_BYTES;
    }

    /**
     * The largest record the producer sends: room for the Kafka form of the largest payload accepted (its fields
     * beside the payload, which re-encoding can lengthen, as {@code 1e5} becomes {@code 100000.0}), and never below
     * Kafka's default. Kafka topics must take records this large ({@code max.message.bytes}); a record that is still too
     * large for its topic becomes a dead letter.
     */
    static int maxRecordBytes(BridgeOptions options) {
        return Math.max(1 << 20, 2 * options.maxPayloadBytes() + Limits.MQTT_PACKET_OVERHEAD_BYTES);
    }

    /**
     * The broker's window of unacknowledged QoS 1 messages per connection: the connections' windows together hold
     * at most {@code maxInFlight} messages, and stay within the byte budget.
     */
    static int window(BridgeOptions options) {
        long byBytes = options.maxInFlightBytes() / maximumPacketSize(options);
        return (int) Math.max(1, Math.min(options.maxInFlight(), byBytes) / options.mqttConnections());
    }

    /** The port of {@code /metrics} and {@code /health} (useful when configured as 0). */
    public int httpPort() {
        return http.port();
    }

    public BridgeMetrics metrics() {
        return metrics;
    }

    /**
     * A device message on its way to Kafka: acknowledged once Kafka has its record, or given up on while the bridge
     * stops (so that whoever sent it sends it again).
     */
    private record Delivery(String topic, byte[] payload, boolean atLeastOnce, Runnable acknowledge, Runnable abandon) {
    }

    /** A delivery waiting for its next send, so that one still waiting when the bridge stops is let go, not lost. */
    private record Retry(Delivery delivery, InFlight.Held held) {
    }

    /** On the MQTT client's thread: count the message as received and queue it for its connection's sender. */
    private void accept(Mqtt5Publish publish, ExecutorService sender) {
        if (publish.getTopic().toString().endsWith("/" + Topics.COMMANDS_KIND)) {
            // Our own commands to devices match the device filter; they are not device messages.
            publish.acknowledge();
            return;
        }
        boolean atLeastOnce = publish.getQos() != MqttQos.AT_MOST_ONCE;
        // The broker's window bounds the QoS 1 messages of a subscription; only QoS 0 ones need the byte budget.
        admit(new Delivery(publish.getTopic().toString(), publish.getPayloadAsBytes(), atLeastOnce,
                publish::acknowledge, () -> { }), sender, atLeastOnce);
    }

    /**
     * A device message handed over by the broker before it acknowledges it to the device (local mode's embedded
     * broker does this): the future completes once Kafka has the record, so the device is told "received" only then,
     * and fails if the bridge stops first or already holds its byte budget, so the device sends it again.
     */
    public CompletableFuture<Void> take(String topic, byte[] payload, boolean atLeastOnce) {
        CompletableFuture<Void> taken = new CompletableFuture<>();
        // One sender per topic, so that a device's messages keep their order.
        admit(new Delivery(topic, payload, atLeastOnce, () -> taken.complete(null),
                () -> taken.completeExceptionally(new IllegalStateException("the bridge is stopping or full"))),
                senders.get(Math.floorMod(topic.hashCode(), senders.size())), false);
        return taken;
    }

    private void admit(Delivery delivery, ExecutorService sender, boolean boundedByBroker) {
        if (!running) {
            delivery.abandon().run();
            return;
        }
        int bytes = delivery.payload().length;
        Optional<InFlight.Held> admitted = boundedByBroker ? Optional.of(inFlight.admit(bytes)) : inFlight.tryAdmit(bytes);
        if (admitted.isEmpty()) {
            if (delivery.atLeastOnce()) {
                delivery.abandon().run();
            } else {
                metrics.received();
                metrics.qos0Dropped();
                delivery.acknowledge().run();
            }
            return;
        }
        metrics.received();
        InFlight.Held held = admitted.get();
        try {
            sender.execute(() -> send(delivery, held, route(delivery), 0));
        } catch (RejectedExecutionException stopping) {
            letGo(delivery, held);
        }
    }

    /** Where the message goes; a message routing fails on (a bug) is a dead letter, not a message held for ever. */
    private Routing.Route route(Delivery delivery) {
        Instant receivedAt = clock.instant();
        try {
            return routing.route(delivery.topic(), delivery.payload(), receivedAt);
        } catch (RuntimeException e) {
            LOG.error("cannot route a message on {}; it becomes a dead letter", delivery.topic(), e);
            return routing.refused(delivery.topic(), delivery.payload(), receivedAt,
                    new Rejection(RejectReason.INVALID_VALUE, "the bridge could not route it: " + e), true);
        }
    }

    /** Sends the record; on success acknowledges the message, on failure sends it again later (QoS 1) or drops it. */
    private void send(Delivery delivery, InFlight.Held held, Routing.Route route, int attempt) {
        if (!running) {
            letGo(delivery, held);
            return;
        }
        try {
            producer.send(route.record(), (metadata, error) -> sent(delivery, held, route, attempt, error));
        } catch (RuntimeException e) {
            // The producer throws rather than calls back on a record it cannot serialise, or once closed.
            sent(delivery, held, route, attempt, e);
        }
    }

    private void sent(Delivery delivery, InFlight.Held held, Routing.Route route, int attempt, Exception error) {
        if (error == null) {
            health.sendSucceeded();
            metrics.completed(route);
            inFlight.release(held);
            delivery.acknowledge().run();
            return;
        }
        metrics.kafkaError();
        Optional<Rejection> never = KafkaRefusals.neverTaken(error);
        if (never.isPresent() && !route.lastResort()) {
            // Sending it again would fail the same way, and hold up every acknowledgement after it: a dead letter
            // instead; should Kafka refuse that too, one without the raw bytes. Only a dead-letter topic that takes
            // not even that is an outage, sent again below.
            boolean deadLetter = route.kind().isEmpty();
            LOG.warn("Kafka will never take the record for {} ({}); {}", route.record().key(), error.toString(),
                    deadLetter ? "sending its dead letter without the raw bytes" : "sending it as a dead letter");
            send(delivery, held, routing.refused(delivery.topic(), delivery.payload(), clock.instant(), never.get(),
                    !deadLetter), attempt);
            return;
        }
        health.sendFailed(error);
        if (!delivery.atLeastOnce()) {
            LOG.warn("Kafka did not take a QoS 0 message for {} ({}); dropped", route.record().key(), error.toString());
            metrics.qos0Dropped();
            inFlight.release(held);
            delivery.acknowledge().run();
            return;
        }
        Duration pause = retryPause(attempt);
        LOG.warn("Kafka did not take the record for {} ({}); sending it again in {} ms, its acknowledgement waits",
                route.record().key(), error.toString(), pause.toMillis());
        metrics.kafkaRetry();
        Retry retry = new Retry(delivery, held);
        waitingRetries.add(retry);
        try {
            retries.schedule(() -> {
                if (waitingRetries.remove(retry)) {
                    send(delivery, held, route, attempt + 1);
                }
            }, pause.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            waitingRetries.remove(retry);
            letGo(delivery, held);
        }
    }

    /** The bridge stops: the message is released unacknowledged, for its sender to send again. */
    private void letGo(Delivery delivery, InFlight.Held held) {
        inFlight.release(held);
        delivery.abandon().run();
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
        connections.forEach(BridgeConnection::close);
        senders.forEach(ExecutorService::shutdown);
        retries.shutdownNow();
        waitingRetries.forEach(retry -> {
            if (waitingRetries.remove(retry)) {
                letGo(retry.delivery(), retry.held());
            }
        });
        try {
            for (ExecutorService sender : senders) {
                if (!sender.awaitTermination(5, TimeUnit.SECONDS)) {
                    sender.shutdownNow();
                }
            }
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
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRecordBytes(options));
        return config;
    }

    private static HikariDataSource dataSource(JdbcAddress database) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.url());
        config.setDataSourceProperties(database.withLogin(new Properties()));
        config.setMaximumPoolSize(2);
        // A sender thread looks an unknown device up: with the database away it waits this long, not Hikari's 30 s.
        config.setConnectionTimeout(2_000);
        config.setPoolName("bridge-registry");
        return new HikariDataSource(config);
    }
}
