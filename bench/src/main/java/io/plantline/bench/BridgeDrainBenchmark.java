package io.plantline.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.plantline.embedded.EmbeddedKafkaCluster;
import io.reactivex.schedulers.Schedulers;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The bridge on its own: how fast, and at what CPU cost per message, it forwards a backlog of QoS 1 messages into
 * Kafka when nothing else runs. Each round fills a persistent session while the bridge is stopped (publishers send
 * {@code messages} QoS 1 messages and finish), then starts the bridge (its own JVM, as in production) and times the
 * drain. The bridge's CPU per message is taken over the second half of the drain, when its JIT compiler is done, and
 * over the whole drain from the moment it is up. In alternating rounds a bare subscriber (counting on its client's
 * event-loop thread, the same window of unacknowledged messages) drains a session of the same subscription type.
 *
 * <p>Arguments: {@code [messages=200000] [rounds=5]}. {@code -Dshare.group} (default {@code bridge}, the bridge's
 * default; empty subscribes plainly), {@code -Dconnections} (the bridge's {@code --mqtt-connections}, default as the
 * bridge's) and {@code -Dbridge.args} (further bridge settings) choose what is measured; {@code -Dmqtt.port} a broker
 * already listening instead of the embedded HiveMQ CE.
 */
public final class BridgeDrainBenchmark {

    private static final String ORG = "bench";
    private static final int DEVICES = 100;
    private static final int WINDOW = 1000;

    private final int brokerPort;
    private final EmbeddedKafkaCluster kafka;
    private final String jdbcUrl;
    private final String shareGroup = System.getProperty("share.group", "bridge");
    /** The bridge's {@code --mqtt-connections} when given (0: the bridge's default, also for a build without it). */
    private final int connections = Integer.getInteger("connections", 0);
    private final MqttPublishers publishers;

    private BridgeDrainBenchmark(int brokerPort, EmbeddedKafkaCluster kafka, String jdbcUrl) {
        this.brokerPort = brokerPort;
        this.kafka = kafka;
        this.jdbcUrl = jdbcUrl;
        this.publishers = new MqttPublishers(brokerPort, ORG, DEVICES, 4);
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("logback.configurationFile", "bench-logback.xml");
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        // -Dmqtt.port=N measures on a broker already listening there (Mosquitto, say) instead of the embedded one.
        try (BridgeBenchServers servers = BridgeBenchServers.start("plantline-drain-bench")) {
            new BridgeDrainBenchmark(servers.brokerPort(), servers.kafka(), servers.jdbcUrl()).run(messages, rounds);
        }
        System.exit(0); // the MQTT clients' threads would keep the JVM alive
    }

    private void run(int messages, int rounds) throws Exception {
        publishers.registerDevices(jdbcUrl);
        System.out.printf(Locale.ROOT, "Bridge drain benchmark: %,d QoS 1 messages per round, %d rounds, subscription %s,"
                        + " bridge connections %s, further bridge settings [%s]%n", messages, rounds, filter("<group>"),
                connections == 0 ? "as its default" : String.valueOf(connections), System.getProperty("bridge.args", ""));
        List<Double> bridgeRates = new ArrayList<>();
        List<Double> bareRates = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        List<Double> warmCpu = new ArrayList<>();
        List<Double> wholeCpu = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            Drain bridge = drainThroughBridge(messages, round);
            Drain bare = drainBare(messages, round);
            bridgeRates.add(bridge.rate());
            bareRates.add(bare.rate());
            ratios.add(bridge.rate() / bare.rate());
            warmCpu.add(bridge.warmCpuMicros());
            wholeCpu.add(bridge.wholeCpuMicros());
            System.out.printf(Locale.ROOT, "round %d: bridge %,.0f msg/s (second half), %.1f us CPU per message warm, %.1f"
                            + " over the whole drain; bare subscriber %,.0f msg/s; ratio %.2f%n", round + 1, bridge.rate(),
                    bridge.warmCpuMicros(), bridge.wholeCpuMicros(), bare.rate(), bridge.rate() / bare.rate());
        }
        Stats.printHeader();
        Stats.printRow("bridge drain, msg/s (second half)", bridgeRates, "%,.0f");
        Stats.printRow("bare subscriber drain, msg/s (second half)", bareRates, "%,.0f");
        Stats.printRow("ratio bridge / bare, per round", ratios, "%.2f");
        Stats.printRow("bridge CPU per message, us, second half", warmCpu, "%.1f");
        Stats.printRow("bridge CPU per message, us, whole drain from up", wholeCpu, "%.1f");
    }

    private String filter(String group) {
        return shareGroup.isEmpty() ? "plantline/+/+/+" : "$share/" + group + "/plantline/+/+/+";
    }

    /** Bridge stopped, session filled, bridge started: the drain into Kafka. */
    private Drain drainThroughBridge(int messages, int round) throws Exception {
        String clientId = "drain-bridge-" + round;
        List<String> settings = new ArrayList<>(List.of("--client-id=" + clientId, "--session-expiry-s=3600",
                "--share-group=" + shareGroup, "--max-in-flight=" + WINDOW));
        if (connections > 0) {
            settings.add("--mqtt-connections=" + connections);
        }
        try (BridgeProcess first = BridgeProcess.start(brokerPort, kafka.bootstrapServers(), jdbcUrl, settings)) {
            // makes the session and its subscription, then stops
        }
        publishers.publish(MqttQos.AT_LEAST_ONCE, messages);
        long started = System.nanoTime();
        Drain drain;
        try (BridgeProcess bridge = BridgeProcess.start(brokerPort, kafka.bootstrapServers(), jdbcUrl, settings)) {
            long upCpu = bridge.cpuTime().toNanos();
            long upCompleted = bridge.completed();
            Drain measured = measure(messages, bridge::completed, () -> bridge.cpuTime().toNanos());
            double whole = (bridge.cpuTime().toNanos() - upCpu) / 1000.0 / (messages - upCompleted);
            System.out.printf(Locale.ROOT, "  bridge up %.1f s after start with %,d forwarded%n",
                    (measured.upAt() - started) / 1e9, upCompleted);
            drain = new Drain(measured.rate(), measured.warmCpuMicros(), whole, measured.upAt());
        }
        forget(clientId);
        for (int connection = 2; connection <= bridgeConnections(); connection++) {
            forget(clientId + "." + connection);
        }
        return drain;
    }

    /** A subscriber that only counts, on the same subscription type and window, drains a session of its own. */
    private Drain drainBare(int messages, int round) throws Exception {
        String clientId = "drain-bare-" + round;
        AtomicLong received = new AtomicLong();
        connectBare(clientId, received).disconnect().join();
        publishers.publish(MqttQos.AT_LEAST_ONCE, messages);
        Mqtt5AsyncClient bare = connectBare(clientId, received);
        Drain drain = measure(messages, received::get, () -> 0);
        bare.disconnectWith().sessionExpiryInterval(0).send().join();
        return drain;
    }

    private Mqtt5AsyncClient connectBare(String clientId, AtomicLong received) {
        Mqtt5AsyncClient bare = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(brokerPort)
                .executorConfig().applicationScheduler(Schedulers.trampoline()).applyExecutorConfig()
                .buildAsync();
        bare.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL, publish -> received.incrementAndGet());
        bare.connectWith().cleanStart(false).sessionExpiryInterval(3600)
                .restrictions().receiveMaximum(WINDOW).applyRestrictions().send().join();
        bare.subscribeWith().topicFilter(filter("bare")).qos(MqttQos.AT_LEAST_ONCE).send().join();
        return bare;
    }

    /** How many connections the bridge opened: as asked, else its default (one per core of this same machine). */
    private int bridgeConnections() {
        if (connections > 0) {
            return connections;
        }
        return shareGroup.isEmpty() ? 1 : Runtime.getRuntime().availableProcessors();
    }

    /** Ends a session of the bridge, so that its subscriptions do not queue the next rounds' messages. */
    private void forget(String clientId) {
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(brokerPort).buildAsync();
        client.connectWith().cleanStart(true).sessionExpiryInterval(0).send().join();
        client.disconnect().join();
    }

    /** Waits until {@code messages} arrived; the rate and CPU per message over the second half. */
    private static Drain measure(int messages, LongSupplier arrived, LongSupplier cpuNanos) throws InterruptedException {
        long upAt = System.nanoTime();
        long halfAt = 0;
        long halfCount = 0;
        long halfCpu = 0;
        long count;
        while ((count = arrived.getAsLong()) < messages) {
            if (halfAt == 0 && count >= messages / 2) {
                halfAt = System.nanoTime();
                halfCount = count;
                halfCpu = cpuNanos.getAsLong();
            }
            Thread.sleep(20);
        }
        long end = System.nanoTime();
        double rate = (count - halfCount) / ((end - halfAt) / 1e9);
        double cpu = (cpuNanos.getAsLong() - halfCpu) / 1000.0 / (count - halfCount);
        return new Drain(rate, cpu, 0, upAt);
    }

    /** Second-half rate (msg/s) and CPU per message (us); CPU per message over the whole drain; when it was up. */
    private record Drain(double rate, double warmCpuMicros, double wholeCpuMicros, long upAt) {
    }
}
