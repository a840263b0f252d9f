package io.plantline.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import io.plantline.embedded.EmbeddedKafkaCluster;
import io.plantline.embedded.FreePorts;
import io.reactivex.schedulers.Schedulers;
import io.plantline.embedded.EmbeddedMqttBroker;
import io.plantline.embedded.EmbeddedPostgresServer;
import io.plantline.embedded.KafkaTopics;
import io.plantline.model.Topics;
import io.plantline.sql.SchemaMigration;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    private static final int DEVICES = 100;
    private static final int PUBLISHERS = 4;
    private static final int PUBLISH_WINDOW = 20_000;
    private static final Pattern HEAP_USED = Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\"[^}]*} ([0-9.E]+)");

    private final int brokerPort;
    private final EmbeddedKafkaCluster kafka;
    private final String jdbcUrl;
    private final HttpClient http = HttpClient.newHttpClient();

    private BridgeThroughputBenchmark(int brokerPort, EmbeddedKafkaCluster kafka, String jdbcUrl) {
        this.brokerPort = brokerPort;
        this.kafka = kafka;
        this.jdbcUrl = jdbcUrl;
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("logback.configurationFile", "bench-logback.xml");
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int outageMessages = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        // -Dmqtt.port=N measures on a broker already listening there (Mosquitto, say) instead of the embedded one.
        int externalBroker = Integer.getInteger("mqtt.port", 0);
        Path work = Files.createTempDirectory("plantline-bench");
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(0, work.resolve("pg"), true);
             EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(FreePorts.pick(), work.resolve("kafka"), 1L << 30);
             EmbeddedMqttBroker broker = externalBroker == 0 ? EmbeddedMqttBroker.start(0, work.resolve("mqtt")) : null) {
            SchemaMigration.apply(postgres.jdbcUrl());
            registerDevices(postgres.jdbcUrl());
            KafkaTopics.createAll(kafka.bootstrapServers(), 4);
            new BridgeThroughputBenchmark(broker == null ? externalBroker : broker.port(), kafka, postgres.jdbcUrl())
                    .run(messages, outageMessages);
        }
    }

    private void run(int messages, int outageMessages) throws Exception {
        int rounds = Integer.getInteger("rounds", 3);
        System.out.printf("Bridge benchmark: %,d messages per run, %d rounds, %d publishers, %d devices, 2 cores%n",
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
        try (BridgeProcess bridge = BridgeProcess.start(brokerPort, kafka.bootstrapServers(), jdbcUrl)) {
            publishAndWait(qos, warmUp, () -> bridge.completed(http));
            long before = bridge.completed(http);
            long kafkaBefore = kafkaRecords();
            Duration bridgeCpuBefore = bridge.cpuTime();
            Run run = publishAndWait(qos, messages, () -> bridge.completed(http) - before);
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
        try (BridgeProcess bridge = BridgeProcess.start(brokerPort, kafka.bootstrapServers(), jdbcUrl)) {
            long before = bridge.completed(http);
            kafka.stopBroker();
            double peakHeap = 0;
            long peakInFlight = 0;
            CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> publish(qos, messages, payloadBytes));
            while (!publishing.isDone()) {
                peakHeap = Math.max(peakHeap, bridge.heapUsedBytes(http));
                peakInFlight = Math.max(peakInFlight, bridge.inFlight(http));
                Thread.sleep(200);
            }
            for (int i = 0; i < 25; i++) { // publishers are done; the bridge keeps waiting on Kafka a while longer
                peakHeap = Math.max(peakHeap, bridge.heapUsedBytes(http));
                peakInFlight = Math.max(peakInFlight, bridge.inFlight(http));
                Thread.sleep(200);
            }
            long restart = System.nanoTime();
            kafka.startBroker();
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (bridge.completed(http) + bridge.qos0Dropped(http) - before < messages && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            return new Outage(peakHeap, peakInFlight, bridge.completed(http) - before, bridge.qos0Dropped(http),
                    (System.nanoTime() - restart) / 1e9);
        }
    }

    private Run publishAndWait(MqttQos qos, int messages, LongSupplier arrived) throws InterruptedException {
        Duration ownCpuBefore = cpuTime(ProcessHandle.current());
        Duration brokerCpuBefore = brokerCpuTime();
        long start = System.nanoTime();
        CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> publish(qos, messages));
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
                cpuTime(ProcessHandle.current()).minus(ownCpuBefore).toNanos() / 1000.0,
                brokerCpuTime().minus(brokerCpuBefore).toNanos() / 1000.0, 0);
    }

    private void publish(MqttQos qos, int messages) {
        publish(qos, messages, 0);
    }

    private void publish(MqttQos qos, int messages, int payloadBytes) {
        String padding = "x".repeat(payloadBytes);
        List<Mqtt5AsyncClient> publishers = new ArrayList<>();
        for (int p = 0; p < PUBLISHERS; p++) {
            Mqtt5AsyncClient client = client("publisher-" + p);
            client.connect().join();
            publishers.add(client);
        }
        Semaphore window = new Semaphore(PUBLISH_WINDOW);
        for (int i = 0; i < messages; i++) {
            window.acquireUninterruptibly();
            String topic = "plantline/" + ORG + "/device-" + (i % DEVICES) + "/telemetry";
            byte[] payload = ("{\"ts\":\"" + Instant.now() + "\",\"metrics\":{\"temperature\":" + (60 + i % 20)
                    + ",\"vibration\":2.5,\"seq\":" + i + "},\"pad\":\"" + padding + "\"}").getBytes(StandardCharsets.UTF_8);
            publishers.get(i % PUBLISHERS).publishWith().topic(topic).qos(qos).payload(payload).send()
                    .whenComplete((result, error) -> window.release());
        }
        window.acquireUninterruptibly(PUBLISH_WINDOW);
        publishers.forEach(client -> client.disconnect().join());
    }

    private Mqtt5AsyncClient client(String id) {
        return clientBuilder(id).buildAsync();
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

    private static void registerDevices(String jdbcUrl) throws Exception {
        try (Connection connection = DriverManager.getConnection(jdbcUrl)) {
            connection.createStatement().execute("INSERT INTO organisations (slug, name) VALUES ('" + ORG + "', 'Bench')");
            try (PreparedStatement device = connection.prepareStatement(
                    "INSERT INTO devices (org_slug, device_id) VALUES (?, ?)")) {
                for (int i = 0; i < DEVICES; i++) {
                    device.setString(1, ORG);
                    device.setString(2, "device-" + i);
                    device.addBatch();
                }
                device.executeBatch();
            }
        }
    }

    /** The CPU time a process has used so far (zero where the system does not tell). */
    private static Duration cpuTime(ProcessHandle process) {
        return process.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /** The broker's CPU time, when {@code -Dbroker.pid} names an external broker's process; else zero. */
    private static Duration brokerCpuTime() {
        long pid = Long.getLong("broker.pid", 0);
        return pid == 0 ? Duration.ZERO : ProcessHandle.of(pid).map(BridgeThroughputBenchmark::cpuTime).orElse(Duration.ZERO);
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

    /** The bridge as its own JVM, as it runs in production, read through its /health and /metrics. */
    private record BridgeProcess(Process process, int httpPort) implements AutoCloseable {

        static BridgeProcess start(int mqttPort, String kafkaBootstrap, String jdbcUrl) throws Exception {
            int httpPort = FreePorts.pick();
            Path jar = Path.of(BridgeThroughputBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-Dlogback.configurationFile=bench-logback.xml"));
            // JVM options to compare, e.g. -Dbridge.jvm=-XX:+UseSerialGC
            command.addAll(words(System.getProperty("bridge.jvm", "")));
            command.addAll(List.of("-cp", jar.toString(),
                    "io.plantline.bridge.BridgeMain", "--mqtt-port=" + mqttPort, "--kafka-bootstrap=" + kafkaBootstrap,
                    "--jdbc-url=" + jdbcUrl, "--metrics-port=" + httpPort, "--session-expiry-s=0",
                    "--client-id=bench-bridge-" + System.nanoTime()));
            // Further bridge settings to compare, e.g. -Dbridge.args=--max-in-flight=2000
            command.addAll(words(System.getProperty("bridge.args", "")));
            Process process = new ProcessBuilder(command).inheritIO().start();
            BridgeProcess bridge = new BridgeProcess(process, httpPort);
            HttpClient http = HttpClient.newHttpClient();
            for (int attempt = 0; ; attempt++) {
                try {
                    if (bridge.get(http, "/health").contains("\"UP\"")) {
                        return bridge;
                    }
                } catch (java.io.UncheckedIOException notYet) {
                    if (attempt > 300 || !process.isAlive()) {
                        throw new IllegalStateException("the bridge process did not come up", notYet);
                    }
                }
                Thread.sleep(100);
            }
        }

        private static List<String> words(String text) {
            return Arrays.stream(text.split(" ")).filter(word -> !word.isBlank()).toList();
        }

        long completed(HttpClient http) {
            String health = get(http, "/health");
            return field(health, "forwarded") + field(health, "rejected");
        }

        Duration cpuTime() {
            return BridgeThroughputBenchmark.cpuTime(process.toHandle());
        }

        long inFlight(HttpClient http) {
            return field(get(http, "/health"), "inFlight");
        }

        long qos0Dropped(HttpClient http) {
            return field(get(http, "/health"), "qos0Dropped");
        }

        double heapUsedBytes(HttpClient http) {
            Matcher matcher = HEAP_USED.matcher(get(http, "/metrics"));
            double used = 0;
            while (matcher.find()) {
                used += Double.parseDouble(matcher.group(1));
            }
            return used;
        }

        private String get(HttpClient http, String path) {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        private static long field(String json, String name) {
            Matcher matcher = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
            return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor();
        }
    }
}
