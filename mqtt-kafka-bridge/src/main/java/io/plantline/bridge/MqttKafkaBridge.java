package io.plantline.bridge;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.plantline.model.Limits;
import io.plantline.model.Topics;
import io.plantline.model.json.DeviceMessageCodec;
import io.reactivex.schedulers.Schedulers;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards device messages from MQTT to Kafka without losing any: it subscribes with a shared subscription
 * and a persistent session, and acknowledges a QoS 1 message to the broker only after Kafka acknowledged
 * its record (idempotent producer, {@code acks=all}). A bridge killed at any moment therefore loses nothing;
 * the broker redelivers what was not acknowledged, which can duplicate at most {@code maxInFlight} records
 * per restart. While Kafka is unreachable, sends wait and acknowledgements stop, so the broker stops
 * delivering after {@code maxInFlight} messages and keeps the rest in the session: memory stays bounded.
 */
public final class MqttKafkaBridge implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MqttKafkaBridge.class);
    /** How long one send may wait for Kafka metadata or buffer space before it is tried again. */
    private static final Duration SEND_BLOCK = Duration.ofSeconds(30);

    private final BridgeOptions options;
    private final HikariDataSource database;
    private final DeviceRegistry registry;
    private final KafkaProducer<String, byte[]> producer;
    private final Routing routing;
    private final BridgeMetrics metrics = new BridgeMetrics();
    private final Clock clock;
    /** One thread hands messages to the producer, so records of a device reach Kafka in arrival order. */
    private final ExecutorService handoff = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(), runnable -> new Thread(runnable, "bridge-handoff"),
            // Messages still arriving while the bridge stops are dropped unacknowledged: the broker redelivers them.
            new ThreadPoolExecutor.DiscardPolicy());
    private final Mqtt5AsyncClient mqtt;
    private final CommandRelay commands;
    private BridgeHttpEndpoint http;
    private volatile boolean running = true;

    public MqttKafkaBridge(BridgeOptions options, Clock clock) throws java.sql.SQLException {
        this.options = options;
        this.clock = clock;
        this.database = dataSource(options.jdbcUrl());
        this.registry = new DeviceRegistry(database, options.registryRefresh());
        this.producer = new KafkaProducer<>(producerConfig(options), new StringSerializer(), new ByteArraySerializer());
        this.routing = new Routing(new DeviceMessageCodec(options.maxPayloadBytes(), Limits.DEFAULT_MAX_CLOCK_LEAD),
                registry::status, Routing.SOURCE);
        this.mqtt = MqttClient.builder()
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
                .addConnectedListener(context -> LOG.info("connected to MQTT broker {}:{}", options.mqttHost(), options.mqttPort()))
                .addDisconnectedListener(context -> {
                    if (running) {
                        LOG.warn("disconnected from MQTT broker {}:{} ({}); reconnecting", options.mqttHost(),
                                options.mqttPort(), context.getCause().toString());
                    }
                })
                .buildAsync();
        this.commands = new CommandRelay(options.kafkaBootstrap(), mqtt, producer, clock);
    }

    /**
     * Connects and subscribes. The callback is registered before connecting, because a resumed session
     * delivers its queued messages as soon as the connection is up, before any subscribe call returns.
     */
    public void start() throws java.io.IOException {
        http = new BridgeHttpEndpoint(options.metricsPort(), metrics, () -> mqtt.getState().isConnected());
        mqtt.publishes(MqttGlobalPublishFilter.ALL, this::accept, true);
        mqtt.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(options.sessionExpiry().toSeconds())
                .restrictions().receiveMaximum(options.maxInFlight()).applyRestrictions()
                .send().join();
        mqtt.subscribeWith()
                .topicFilter(subscription(options))
                .qos(MqttQos.AT_LEAST_ONCE)
                .send().join();
        commands.start();
        LOG.info("bridging {} ({} devices registered) to Kafka {}; metrics on port {}", subscription(options),
                registry.size(), options.kafkaBootstrap(), http.port());
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

    /** On the MQTT client's thread: count the message as received and queue it for the handoff thread. */
    private void accept(Mqtt5Publish publish) {
        if (publish.getTopic().toString().endsWith("/" + Topics.COMMANDS_KIND)) {
            // Our own commands to devices match the device filter; they are not device messages.
            publish.acknowledge();
            return;
        }
        metrics.received();
        handoff.execute(() -> forward(publish));
    }

    private void forward(Mqtt5Publish publish) {
        String topic = publish.getTopic().toString();
        Routing.Route route = routing.route(topic, publish.getPayloadAsBytes(), clock.instant());
        while (running) {
            try {
                producer.send(route.record(), (metadata, error) -> {
                    if (error == null) {
                        metrics.completed(route);
                        publish.acknowledge();
                    } else {
                        // Only non-retriable errors end up here (delivery timeout is unbounded). The message stays
                        // unacknowledged, so the broker redelivers it after the next reconnect.
                        LOG.error("Kafka refused a record for {}; it will be redelivered after a reconnect", topic, error);
                    }
                });
                return;
            } catch (TimeoutException e) {
                metrics.kafkaRetry();
                LOG.warn("Kafka unavailable for {} s; holding MQTT acknowledgements and retrying", SEND_BLOCK.toSeconds());
            }
        }
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
        // Never give up on a record: the device's message is not acknowledged until Kafka has it.
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) SEND_BLOCK.toMillis());
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
