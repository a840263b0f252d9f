package io.plantline.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import io.plantline.embedded.EmbeddedKafkaCluster;
import io.reactivex.schedulers.Schedulers;
import io.plantline.model.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Messages per second from MQTT publishers into Kafka through the bridge, beside a bare MQTT subscriber that
 * only counts, on the same embedded broker in the same run, at QoS 0 and QoS 1; then the bridge's heap while
 * Kafka is down and publishers keep sending. The bare subscriber runs in this (warm) JVM after the bridge has
 * stopped; the bridge is measured after a warm-up in the same process ({@code -Dwarmup} messages, default 100,000:
 * its JIT compiler is still busy after fewer). The bridge runs as its own process (as in production), with
 * {@code -Xmx256m}. Prints a Markdown section for docs/benchmarks.md, with the CPU time per message of each process.
 *
 * <p>Arguments: {@code [messages=200000] [outage-messages=100000]}.
 */
public final class BridgeThroughputBenchmark {

    private static final String ORG = "bench";
    /** -Ddevices and -Dconnections: how many devices publish, over how many MQTT connections (a gateway: one). */
    private static final int DEVICES = Integer.getInteger("devices", 100);
    private static final int PUBLISHERS = Integer.getInteger("connections", 4);

    private final int brokerPort;
    private final EmbeddedKafkaCluster kafka;
    private final String jdbcUrl;
    private final MqttPublishers publishers;

    private BridgeThroughputBenchmark(int brokerPort, EmbeddedKafkaCluster kafka, String jdbcUrl) {
        this.brokerPort = brokerPort;
        this.kafka = kafka;
        this.jdbcUrl = jdbcUrl;
        this.publishers = new MqttPublishers(brokerPort, ORG, DEVICES, PUBLISHERS);
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("logback.configurationFile", "bench-logback.xml");
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int outageMessages = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        // -Dmqtt.port=N measures on a broker already listening there (Mosquitto, say) instead of the embedded one.
        try (BridgeBenchServers servers = BridgeBenchServers.start("plantline-bench")) {
            new BridgeThroughputBenchmark(servers.brokerPort(), servers.kafka(), servers.jdbcUrl()).run(messages, outageMessages);
        }
    }

    private void run(int messages, int outageMessages) throws Exception {
        publishers.registerDevices(jdbcUrl);
        int rounds = Integer.getInteger("rounds", 3);
        System.out.printf("Bridge benchmark: %,d messages per run, %d rounds, %d publisher connections, %d devices, 2 cores%n",
                messages, rounds, PUBLISHERS, DEVICES);
        List<String> rows = new ArrayList<>();
        List<String> cpuRows = new ArrayList<>();
        // ROUNDS=0 measures the outages alone.
        for (MqttQos qos : rounds == 0 ? List.<MqttQos>of() : List.of(MqttQos.AT_MOST_ONCE, MqttQos.AT_LEAST_ONCE)) {
            // Rates on a shared 2-core machine swing by a third between runs: alternate the two and compare medians.
            List<Double> bare = new ArrayList<>();
            List<Double> bridged = new ArrayList<>();
            List<String> inKafka = new ArrayList<>();
            List<Run> bareRuns = new ArrayList<>();
            List<Run> bridgedRuns = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                Run run = publishThroughBridge(qos, Integer.getInteger("warmup", 100_000), messages);
                bridged.add(run.rate());
                bridgedRuns.add(run);
                inKafka.add(String.format(Locale.ROOT, "%,d", run.inKafka()));
                // After the bridge has stopped, so that it does not take CPU from the bare subscriber.
                Run bareRun = bareSubscriber(qos, messages);
                bare.add(bareRun.rate());
                bareRuns.add(bareRun);
            }
            String level = qos == MqttQos.AT_MOST_ONCE ? "0" : "1";
            rows.add(String.format(Locale.ROOT, "| %s | %,.0f (%s) | %,.0f (%s) | %.2f | %s of %,d each |",
                    level, Stats.median(bare), rates(bare), Stats.median(bridged), rates(bridged),
                    Stats.median(bridged) / Stats.median(bare), String.join(" / ", inKafka), messages));
            cpuRows.add(String.format(Locale.ROOT, "| %s | bare subscriber | %s | - |", level, cpuPerMessage(bareRuns)));
            cpuRows.add(String.format(Locale.ROOT, "| %s | through the bridge | %s | %.1f |", level,
                    cpuPerMessage(bridgedRuns), bridgedRuns.stream().mapToDouble(Run::bridgeCpuMicros).sum()
                            / bridgedRuns.stream().mapToLong(Run::arrived).sum()));
        }
        Outage outage = kafkaOutage(outageMessages, MqttQos.AT_LEAST_ONCE, 0);
        // Payloads near the size limit: the window of unacknowledged messages, not their count, bounds the heap.
        int large = Integer.getInteger("large.messages", 3_000);
        int largeBytes = Integer.getInteger("large.bytes", 200_000);
        Outage largeQos1 = kafkaOutage(large, MqttQos.AT_LEAST_ONCE, largeBytes);
        Outage largeQos0 = kafkaOutage(large, MqttQos.AT_MOST_ONCE, largeBytes);

        System.out.println();
        System.out.println("| QoS | bare subscriber msg/s, median (rounds) | through the bridge into Kafka msg/s, median (rounds) "
                + "| ratio of medians | records in Kafka per round |");
        System.out.println("|---|---|---|---|---|");
        rows.forEach(System.out::println);
        System.out.println();
        System.out.println("CPU time per message over the measured rounds, in microseconds (the benchmark JVM runs the publishers, "
                + "Kafka and the bare subscriber; the broker's only when -Dbroker.pid names it):");
        System.out.println();
        System.out.println("| QoS | run | benchmark JVM | broker | bridge process |");
        System.out.println("|---|---|---|---|---|");
        cpuRows.forEach(System.out::println);
        System.out.println();
        System.out.printf(Locale.ROOT, "Kafka down while %,d QoS 1 messages were published: bridge heap peak %.0f MB "
                        + "(-Xmx256m), at most %d messages in flight; after Kafka returned all %,d were in Kafka "
                        + "%.1f s later, none lost.%n", outageMessages, outage.peakHeapBytes() / 1048576.0,
                outage.peakInFlight(), outage.delivered(), outage.drainSeconds());
        System.out.println();
        System.out.printf(Locale.ROOT, "Kafka down while %,d messages of %,d bytes each were published (-Xmx256m, default"
                        + " --max-in-flight-bytes 64 MiB):%n%n| QoS | bridge heap peak | most in flight | in Kafka after"
                        + " Kafka returned | dropped |%n|---|---|---|---|---|%n", large, largeBytes);
        for (Outage run : List.of(largeQos1, largeQos0)) {
            System.out.printf(Locale.ROOT, "| %d | %.0f MB | %d | %,d | %,d |%n", run == largeQos1 ? 1 : 0,
                    run.peakHeapBytes() / 1048576.0, run.peakInFlight(), run.delivered(), run.dropped());
        }
    }

    /** The rate at which a subscriber that only counts receives what the publishers send. */
    private Run bareSubscriber(MqttQos qos, int messages) throws Exception {
        AtomicLong received = new AtomicLong();
        // Counted on the client's event-loop thread, as the bridge takes its messages: through RxJava's computation
        // pool (the client's default) the same client spends far more per message (docs/benchmarks.md).
        Mqtt5AsyncClient subscriber = clientBuilder("bare-subscriber")
                .executorConfig().applicationScheduler(Schedulers.trampoline()).applyExecutorConfig()
                .buildAsync();
        subscriber.connect().join();
        subscriber.subscribeWith().topicFilter(System.getProperty("bare.filter", "plantline/" + ORG + "/+/+")).qos(qos)
                .callback(publish -> received.incrementAndGet()).send().join();
        Run run = publishAndWait(qos, messages, received::get);
        subscriber.disconnect().join();
        return run;
    }

    /**
     * Measured on a warm bridge, as it runs in production for days: the same process first forwards
     * {@code warmUp} messages (JIT compilation, Kafka metadata, connections), then the measured {@code messages}.
     */
    private Run publishThroughBridge(MqttQos qos, int warmUp, int messages) throws Exception {
        try (BridgeProcess bridge = startBridge()) {
            publishAndWait(qos, warmUp, () -> bridge.completed());
            long before = bridge.completed();
            long kafkaBefore = kafkaRecords();
            Duration bridgeCpuBefore = bridge.cpuTime();
            Run run = publishAndWait(qos, messages, () -> bridge.completed() - before);
            double bridgeCpu = bridge.cpuTime().minus(bridgeCpuBefore).toNanos() / 1000.0;
            return new Run(run.arrived(), run.seconds(), kafkaRecords() - kafkaBefore, run.ownCpuMicros(),
                    run.brokerCpuMicros(), bridgeCpu);
        }
    }

    /**
     * The bridge while Kafka is down and publishers send {@code messages} at {@code qos}, each padded to
     * {@code payloadBytes} or more; then Kafka back, until every message is in Kafka (QoS 0: or dropped).
     */
    private Outage kafkaOutage(int messages, MqttQos qos, int payloadBytes) throws Exception {
        try (BridgeProcess bridge = startBridge()) {
            long before = bridge.completed();
            kafka.stopBroker();
            double peakHeap = 0;
            long peakInFlight = 0;
            CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> publishers.publish(qos, messages, payloadBytes));
            while (!publishing.isDone()) {
                peakHeap = Math.max(peakHeap, bridge.heapUsedBytes());
                peakInFlight = Math.max(peakInFlight, bridge.inFlight());
                Thread.sleep(200);
            }
            for (int i = 0; i < 25; i++) { // publishers are done; the bridge keeps waiting on Kafka a while longer
                peakHeap = Math.max(peakHeap, bridge.heapUsedBytes());
                peakInFlight = Math.max(peakInFlight, bridge.inFlight());
                Thread.sleep(200);
            }
            long restart = System.nanoTime();
            kafka.startBroker();
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (bridge.completed() + bridge.qos0Dropped() - before < messages && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            return new Outage(peakHeap, peakInFlight, bridge.completed() - before, bridge.qos0Dropped(),
                    (System.nanoTime() - restart) / 1e9);
        }
    }

    private Run publishAndWait(MqttQos qos, int messages, LongSupplier arrived) throws InterruptedException {
        Duration ownCpuBefore = BridgeProcess.cpuTime(ProcessHandle.current());
        Duration brokerCpuBefore = brokerCpuTime();
        long start = System.nanoTime();
        CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> publishers.publish(qos, messages));
        // QoS 0 may lose messages by design; stop waiting once nothing has arrived for two seconds.
        long last = -1;
        long lastChange = System.nanoTime();
        while (arrived.getAsLong() < messages) {
            long now = arrived.getAsLong();
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            } else if (publishing.isDone() && System.nanoTime() - lastChange > 2_000_000_000L) {
                break;
            }
            Thread.sleep(50);
        }
        long end = last == arrived.getAsLong() && arrived.getAsLong() < messages ? lastChange : System.nanoTime();
        publishing.join();
        return new Run(arrived.getAsLong(), (end - start) / 1e9, 0,
                BridgeProcess.cpuTime(ProcessHandle.current()).minus(ownCpuBefore).toNanos() / 1000.0,
                brokerCpuTime().minus(brokerCpuBefore).toNanos() / 1000.0, 0);
    }

    private BridgeProcess startBridge() throws Exception {
        return BridgeProcess.start(brokerPort, kafka.bootstrapServers(), jdbcUrl,
                List.of("--session-expiry-s=0", "--client-id=bench-bridge-" + System.nanoTime()));
    }

    private Mqtt5ClientBuilder clientBuilder(String id) {
        return MqttClient.builder().useMqttVersion5().identifier(id + "-" + System.nanoTime())
                .serverHost("127.0.0.1").serverPort(brokerPort);
    }

    private long kafkaRecords() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            for (int partition = 0; partition < 4; partition++) {
                latest.put(new TopicPartition(Topics.TELEMETRY, partition), OffsetSpec.latest());
            }
            return admin.listOffsets(latest).all().get().values().stream().mapToLong(info -> info.offset()).sum();
        }
    }

    private static String rates(List<Double> values) {
        return String.join(" / ", values.stream().map(value -> String.format(Locale.ROOT, "%,.0f", value)).toList());
    }

    /** The broker's CPU time, when {@code -Dbroker.pid} names an external broker's process; else zero. */
    private static Duration brokerCpuTime() {
        long pid = Long.getLong("broker.pid", 0);
        return pid == 0 ? Duration.ZERO : ProcessHandle.of(pid).map(BridgeProcess::cpuTime).orElse(Duration.ZERO);
    }

    private static String cpuPerMessage(List<Run> runs) {
        long messages = runs.stream().mapToLong(Run::arrived).sum();
        double own = runs.stream().mapToDouble(Run::ownCpuMicros).sum() / messages;
        double broker = runs.stream().mapToDouble(Run::brokerCpuMicros).sum() / messages;
        return String.format(Locale.ROOT, "%.1f | %s", own, broker == 0 ? "-" : String.format(Locale.ROOT, "%.1f", broker));
    }

    /**
     * {@code inKafka}: records the run added to the telemetry topic (0 where not measured); CPU times in
     * microseconds over the measured messages, of this JVM, of the broker and of the bridge process.
     */
    private record Run(long arrived, double seconds, long inKafka, double ownCpuMicros, double brokerCpuMicros,
                       double bridgeCpuMicros) {
        double rate() {
            return arrived / seconds;
        }
    }

    private record Outage(double peakHeapBytes, long peakInFlight, long delivered, long dropped, double drainSeconds) {
    }
}
