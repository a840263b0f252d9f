package io.plantline.bench;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import io.plantline.bridge.BridgeOptions;
import io.plantline.bridge.MqttKafkaBridge;
import io.plantline.embedded.EmbeddedKafkaCluster;
import io.plantline.embedded.EmbeddedMqttBroker;
import io.plantline.embedded.EmbeddedPostgresServer;
import io.plantline.embedded.FreePorts;
import io.plantline.embedded.InboundPublishes;
import io.plantline.embedded.KafkaTopics;
import io.plantline.model.Topics;
import io.plantline.sql.SchemaMigration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Device messages per second through the local stack's embedded broker, as local mode wires it: the broker hands
 * each device publish to the bridge in the same JVM and acknowledges it to the device once Kafka has the record.
 * In alternating rounds the same broker hands the publishes to a taker that acknowledges at once (the broker's own
 * ceiling with the same hand-over), so the ratio is the bridge's share of what the broker could do. Publishers: one
 * MQTT connection per device, as in a plant, or fewer connections each publishing for several devices, as a plant's
 * edge gateway does (one connection for a whole line), QoS 1, in this JVM. The CPU time of this JVM per message in
 * each mode (broker, publishers and Kafka are in it in both) gives the bridge's cost as the difference.
 *
 * <p>Arguments: {@code [messages=100000] [rounds=10] [devices=100] [connections=devices]}; {@code -Dbridge.args} adds
 * bridge settings to compare (e.g. {@code --kafka-linger-ms=1}).
 */
public final class LocalIngestBenchmark {

    private static final String ORG = "bench";

    public static void main(String[] args) throws Exception {
        System.setProperty("logback.configurationFile", "bench-logback.xml");
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int devices = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int connections = args.length > 3 ? Integer.parseInt(args[3]) : devices;
        Path work = Files.createTempDirectory("plantline-ingest-bench");
        Handover handover = new Handover();
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(0, work.resolve("pg"), true);
             EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(FreePorts.pick(), work.resolve("kafka"), 1L << 30);
             EmbeddedMqttBroker broker = EmbeddedMqttBroker.start(0, work.resolve("mqtt"), handover, null)) {
            SchemaMigration.apply(postgres.jdbcUrl());
            KafkaTopics.createAll(kafka.bootstrapServers(), 4);
            MqttPublishers publishers = new MqttPublishers(broker.port(), ORG, devices, connections);
            publishers.registerDevices(postgres.jdbcUrl());
            // As local mode configures its bridge, on the defaults otherwise; -Dbridge.args adds settings to compare.
            List<String> settings = new ArrayList<>(List.of("--metrics-port=0", "--share-group="));
            settings.addAll(Arrays.stream(System.getProperty("bridge.args", "").split(" "))
                    .filter(word -> !word.isBlank()).toList());
            BridgeOptions options = BridgeOptions.parse(settings.toArray(String[]::new), Map.of())
                    .connectedTo("127.0.0.1", broker.port(), kafka.bootstrapServers(), postgres.jdbcUrl());
            try (MqttKafkaBridge bridge = new MqttKafkaBridge(options, Clock.systemUTC())) {
                bridge.start();
                run(publishers, handover, bridge, messages, rounds);
            }
        }
        System.exit(0); // the MQTT clients' threads would keep the JVM alive
    }

    private static void run(MqttPublishers publishers, Handover handover, MqttKafkaBridge bridge, int messages,
                            int rounds) throws Exception {
        System.out.printf(Locale.ROOT, "Local ingest benchmark: %,d QoS 1 messages per round, %d rounds each way, %d devices"
                        + " over %d connections, %d cores%n", messages, rounds, publishers.devices(), publishers.connections(),
                Runtime.getRuntime().availableProcessors());
        Taker atOnce = (topic, payload, atLeastOnce) -> CompletableFuture.completedFuture(null);
        Taker toKafka = bridge::take;
        // Warm-up: JIT compilation, Kafka metadata, connections.
        handover.target = toKafka;
        publishers.publish(MqttQos.AT_LEAST_ONCE, messages);
        handover.target = atOnce;
        publishers.publish(MqttQos.AT_LEAST_ONCE, messages);
        List<Double> bare = new ArrayList<>();
        List<Double> bridged = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        List<Double> bareCpu = new ArrayList<>();
        List<Double> bridgedCpu = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            Round viaBridge = round(publishers, handover, toKafka, messages);
            Round atOnceRound = round(publishers, handover, atOnce, messages);
            bridged.add(viaBridge.rate());
            bare.add(atOnceRound.rate());
            ratios.add(viaBridge.rate() / atOnceRound.rate());
            bridgedCpu.add(viaBridge.cpuMicros());
            bareCpu.add(atOnceRound.cpuMicros());
            System.out.printf(Locale.ROOT, "round %d: through the bridge %,.0f msg/s (%.1f us CPU per message), acknowledged at"
                            + " once %,.0f msg/s (%.1f us); ratio %.2f%n", round + 1, viaBridge.rate(), viaBridge.cpuMicros(),
                    atOnceRound.rate(), atOnceRound.cpuMicros(), viaBridge.rate() / atOnceRound.rate());
        }
        List<Double> bridgeCost = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            bridgeCost.add(bridgedCpu.get(round) - bareCpu.get(round));
        }
        Stats.printHeader();
        Stats.printRow("through the bridge into Kafka, msg/s", bridged, "%,.0f");
        Stats.printRow("acknowledged at once by the broker, msg/s", bare, "%,.0f");
        Stats.printRow("ratio bridge / at once, per round", ratios, "%.2f");
        Stats.printRow("JVM CPU per message through the bridge, us", bridgedCpu, "%.1f");
        Stats.printRow("JVM CPU per message acknowledged at once, us", bareCpu, "%.1f");
        Stats.printRow("difference: the bridge's (and Kafka's) CPU per message, us", bridgeCost, "%.1f");
    }

    private static Round round(MqttPublishers publishers, Handover handover, Taker target, int messages) {
        handover.target = target;
        long before = handover.taken.get();
        long cpuBefore = BridgeProcess.cpuTime(ProcessHandle.current()).toNanos();
        long start = System.nanoTime();
        publishers.publish(MqttQos.AT_LEAST_ONCE, messages); // returns once every message is acknowledged
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpu = (BridgeProcess.cpuTime(ProcessHandle.current()).toNanos() - cpuBefore) / 1000.0;
        long taken = handover.taken.get() - before;
        return new Round(taken / seconds, cpu / taken);
    }

    /** The broker's hand-over, switched between the bridge and a taker that acknowledges at once; counts what completed. */
    private static final class Handover implements InboundPublishes {

        volatile Taker target;
        final AtomicLong taken = new AtomicLong();

        @Override
        public boolean takes(String topic) {
            return Topics.parseMqttTopic(topic).isPresent();
        }

        @Override
        public CompletableFuture<Void> take(String topic, byte[] payload, boolean atLeastOnce) {
            return target.take(topic, payload, atLeastOnce).whenComplete((done, error) -> {
                if (error == null) {
                    taken.incrementAndGet();
                }
            });
        }
    }

    /** Takes one publish, as {@link InboundPublishes#take}. */
    private interface Taker {
        CompletableFuture<Void> take(String topic, byte[] payload, boolean atLeastOnce);
    }

    private record Round(double rate, double cpuMicros) {
    }
}
