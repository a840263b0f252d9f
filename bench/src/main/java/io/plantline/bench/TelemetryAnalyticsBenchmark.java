package io.plantline.bench;

import io.plantline.model.AlertEvent;
import io.plantline.model.AlertRule;
import io.plantline.model.AlertTransition;
import io.plantline.model.Comparison;
import io.plantline.model.DeviceRef;
import io.plantline.model.MessageId;
import io.plantline.model.RuleScope;
import io.plantline.model.Severity;
import io.plantline.model.TelemetryReading;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.ParseResult;
import io.plantline.model.json.RecordJson;
import io.plantline.pipeline.JobOptions;
import io.plantline.pipeline.TelemetryAnalyticsJob;
import io.plantline.pipeline.anomaly.AnomalySettings;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Data points per second through the telemetry analytics job at parallelism 2 (in-process Kafka to embedded
 * PostgreSQL, 2,000 devices, 5 metrics per message, one org-wide CEP rule), beside a bare Kafka consumer that only
 * parses the same records, in one run; then the alert latency under a live load, and the job's state size.
 *
 * <pre>java ... TelemetryAnalyticsBenchmark [messages=300000] [live-seconds=60] [live-messages-per-second=20000]
 *     [msg-ids=no]</pre>
 * With {@code msg-ids=yes} every message carries a device {@code msgId} (a UUID), whose identity costs a SHA-256 in the
 * job; without, the identity is the payload digest the producer wrote beside the message.
 */
public final class TelemetryAnalyticsBenchmark {

    static final int DEVICES = 2_000;
    static final String ORG = "bench";
    static final String[] METRICS = {"temperature", "vibration", "spindle_rpm", "pressure", "current"};
    static final int PARTITIONS = 4;
    static final int PARALLELISM = 2;

    private final BenchStack stack;
    private final String bootstrap;
    private final boolean withMsgIds;

    private TelemetryAnalyticsBenchmark(BenchStack stack, boolean withMsgIds) {
        this.stack = stack;
        this.bootstrap = stack.bootstrap;
        this.withMsgIds = withMsgIds;
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        int liveSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int liveRate = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        boolean withMsgIds = args.length > 3 && switch (args[3]) {
            case "yes" -> true;
            case "no" -> false;
            default -> throw new IllegalArgumentException("msg-ids is yes or no, not " + args[3]);
        };
        try (BenchStack stack = BenchStack.start("analytics")) {
            new TelemetryAnalyticsBenchmark(stack, withMsgIds).run(messages, liveSeconds, liveRate);
        }
        System.exit(0);
    }

    private void run(int messages, int liveSeconds, int liveRate) throws Exception {
        MiniCluster flink = stack.flink;
        String rules = createTopic("rules", 1);
        publishRule(rules);

        // 1. Throughput over a backlog: the bare consumer, then the job, over the same records.
        String backlog = createTopic("telemetry-backlog", PARTITIONS);
        long produceStart = System.nanoTime();
        produceBacklog(backlog, messages);
        double produceSeconds = BenchStack.seconds(produceStart);
        long bareStart = System.nanoTime();
        long barePoints = consumeAndParse(backlog, messages);
        double bareSeconds = BenchStack.seconds(bareStart);
        // The same graph over an empty topic: what start-up and shutdown alone take.
        long emptyStart = System.nanoTime();
        runToCompletion(flink, createTopic("telemetry-empty", PARTITIONS), rules);
        double overheadSeconds = BenchStack.seconds(emptyStart);
        stack.execute("TRUNCATE telemetry_1m, alerts, anomalies CASCADE");
        long jobStart = System.nanoTime();
        runToCompletion(flink, backlog, rules);
        double jobSeconds = BenchStack.seconds(jobStart);
        long writtenPoints = stack.queryLong("SELECT coalesce(sum(count), 0) FROM telemetry_1m");
        long alertRows = stack.queryLong("SELECT count(*) FROM alerts");
        double bareRate = barePoints / bareSeconds;
        double jobRate = barePoints / jobSeconds;
        double jobRateRunning = barePoints / (jobSeconds - overheadSeconds);

        // 2. Alert latency and state under a live load, event time = wall-clock time.
        stack.execute("TRUNCATE telemetry_1m, alerts, anomalies CASCADE");
        String live = createTopic("telemetry-live", PARTITIONS);
        String alerts = createTopic("alerts", 1);
        long heapBefore = heapAfterGc();
        JobID liveJob = submitLive(flink, live, rules, alerts);
        Thread.sleep(5_000);
        LiveLoad load = produceLive(live, liveSeconds, liveRate);
        Thread.sleep(8_000);
        long heapDuring = heapAfterGc();
        long checkpointBytes = stack.checkpointBytes(liveJob);
        List<Long> latencies = alertLatencies(alerts);
        flink.cancelJob(liveJob).get();

        long seriesKeys = (long) DEVICES * METRICS.length;
        System.out.printf("""

                ## Telemetry analytics job (issue 4)

                `bench/telemetry-analytics.sh %d %d %d %s`, run %s: %,d devices, %d metrics per message, one org-wide rule
                (temperature > 90 for 10 s, with CEP), in-process Kafka (%d partitions) to embedded PostgreSQL 17, job at
                parallelism %d on a MiniCluster in the same JVM (RocksDB, 10 s checkpoints), on 2 cores shared by all of them.

                | measure | figure |
                |---|---|
                | backlog produced | %,d messages = %,d data points in %.1f s |
                | bare Kafka consumer, parse only | %,.0f data points/s (%.1f s) |
                | job, Kafka to PostgreSQL, start to finish | %,.0f data points/s (%.1f s) |
                | job without start-up and shutdown (%.1f s, the same graph over an empty topic) | %,.0f data points/s |
                | job / bare consumer | %.2f (%.2f without start-up) |
                | points in telemetry_1m after the backlog | %,d of %,d; %d alert rows |
                | live load offered / achieved | %,d / %,.0f messages/s (%,.0f data points/s) for %d s |
                | alerts opened under live load | %d; latency beyond the rule's 10 s, p50 %d ms, p99 %d ms, max %d ms |
                | live job's checkpoint (RocksDB, incremental; %,d device-metric series + %,d device-rule keys) | %,d KB, %.1f KB per 1,000 series |
                | JVM heap after GC, job running vs before | %,d MB vs %,d MB |
                """,
                messages, liveSeconds, liveRate, withMsgIds ? "yes" : "no", Instant.now().toString().substring(0, 10), DEVICES, METRICS.length,
                PARTITIONS, PARALLELISM,
                messages, barePoints, produceSeconds,
                bareRate, bareSeconds,
                jobRate, jobSeconds,
                overheadSeconds, jobRateRunning,
                jobRate / bareRate, jobRateRunning / bareRate,
                writtenPoints, barePoints, alertRows,
                liveRate, load.messagesPerSecond(), load.messagesPerSecond() * METRICS.length, liveSeconds,
                latencies.size(), percentile(latencies, 50), percentile(latencies, 99), percentile(latencies, 100),
                seriesKeys, DEVICES, checkpointBytes / 1024, checkpointBytes / 1024.0 / (seriesKeys / 1000.0),
                heapDuring >> 20, heapBefore >> 20);
    }

    private void runToCompletion(MiniCluster flink, String telemetry, String rules) throws Exception {
        JobOptions options = stack.options();
        flink.executeJobBlocking(graph(options, TelemetryAnalyticsJob.kafkaSources(bootstrap, telemetry, rules, true),
                createTopic("alerts-backlog", 1)).getJobGraph());
    }

    private JobID submitLive(MiniCluster flink, String telemetry, String rules, String alerts) throws Exception {
        // Alert latency is bounded below by the out-of-orderness bound: CEP waits for the watermark.
        JobOptions options = stack.options("--out-of-orderness-ms=500");
        StreamGraph graph = graph(options, TelemetryAnalyticsJob.kafkaSources(bootstrap, telemetry, rules), alerts);
        return flink.submitJob(graph.getJobGraph()).get().getJobID();
    }

    private StreamGraph graph(JobOptions options, TelemetryAnalyticsJob.Sources sources, String alertsTopic) {
        return BenchStack.graph(TelemetryAnalyticsJob.NAME, options, env -> new TelemetryAnalyticsJob(sources,
                TelemetryAnalyticsJob.postgresAndKafkaSinks(options, alertsTopic, createTopic("dead-letter", 1)),
                new TelemetryAnalyticsJob.Options(options, AnomalySettings.DEFAULTS)).build(env));
    }

    private String createTopic(String prefix, int partitions) {
        return stack.createTopic(prefix, partitions);
    }

    /** Device d reads one message a second; every 100th device breaches the rule from second 20 to 40. */
    private void produceBacklog(String topic, int messages) throws Exception {
        DeviceMessageCodec codec = DeviceMessageCodec.withDefaults();
        long start = Instant.now().minus(Duration.ofDays(1)).toEpochMilli() / 60_000 * 60_000;
        Random random = new Random(1);
        try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
            for (int i = 0; i < messages; i++) {
                int device = i % DEVICES;
                int second = i / DEVICES;
                boolean breach = device % 100 == 0 && second >= 20 && second < 40;
                send(producer, codec, topic, device, start + second * 1000L, breach, random, withMsgIds);
            }
            producer.flush();
        }
        stack.requireRecords(topic, messages);
    }

    private record LiveLoad(double messagesPerSecond) {
    }

    /** Paced by the wall clock; every 40th device breaches for 15 s, staggered so alerts open all through the run. */
    private LiveLoad produceLive(String topic, int seconds, int rate) throws Exception {
        DeviceMessageCodec codec = DeviceMessageCodec.withDefaults();
        Random random = new Random(2);
        long startNanos = System.nanoTime();
        long sent = 0;
        try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
            while (System.nanoTime() - startNanos < TimeUnit.SECONDS.toNanos(seconds)) {
                long due = (System.nanoTime() - startNanos) * rate / 1_000_000_000L;
                if (sent >= due) {
                    LockSupport.parkNanos(200_000);
                    continue;
                }
                int device = (int) (sent % DEVICES);
                long elapsedSeconds = (System.nanoTime() - startNanos) / 1_000_000_000L;
                long phase = (elapsedSeconds + device / 40) % 30;
                boolean breach = device % 40 == 0 && phase < 15;
                send(producer, codec, topic, device, System.currentTimeMillis(), breach, random, withMsgIds);
                sent++;
            }
            producer.flush();
        }
        return new LiveLoad(sent / BenchStack.seconds(startNanos));
    }

    static void send(KafkaProducer<byte[], byte[]> producer, DeviceMessageCodec codec, String topic, int device,
                     long ts, boolean breach, Random random, boolean withMsgId) {
        producer.send(new ProducerRecord<>(topic, key(device), reading(codec, device, ts, breach, random, withMsgId)));
    }

    static byte[] key(int device) {
        return new DeviceRef(ORG, "machine-" + device).key().getBytes(StandardCharsets.UTF_8);
    }

    /** The Kafka value of device {@code device}'s reading at {@code ts}, as the bridge writes it. */
    static byte[] reading(DeviceMessageCodec codec, int device, long ts, boolean breach, Random random,
                          boolean withMsgId) {
        DeviceRef ref = new DeviceRef(ORG, "machine-" + device);
        // A device's ts is unique among its messages here, so (device, ts) makes a unique msgId.
        MessageId id = withMsgId ? MessageId.given(new UUID(device, ts).toString()) : MessageId.NONE;
        Instant at = Instant.ofEpochMilli(ts);
        TelemetryReading reading = new TelemetryReading(ref, at, at, Map.of(
                METRICS[0], breach ? 95 + random.nextDouble() : 70 + random.nextGaussian(),
                METRICS[1], 2 + random.nextGaussian() * 0.1,
                METRICS[2], 1200 + random.nextGaussian() * 5,
                METRICS[3], 6 + random.nextGaussian() * 0.05,
                METRICS[4], 12 + random.nextGaussian() * 0.2), id);
        return codec.encode(reading);
    }

    private long consumeAndParse(String topic, int messages) {
        DeviceMessageCodec codec = DeviceMessageCodec.withDefaults();
        long points = 0;
        int seen = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (seen < messages) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    seen++;
                    if (codec.decode(record.value()) instanceof ParseResult.Accepted accepted) {
                        points += ((TelemetryReading) accepted.message()).metrics().size();
                    }
                }
            }
        }
        return points;
    }

    /** OPENED records on the alerts topic: Kafka's append time minus the event time of the reading that opened it. */
    private List<Long> alertLatencies(String alertsTopic) {
        List<Long> latencies = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(alertsTopic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    AlertEvent event = RecordJson.readAlertEvent(record.value());
                    if (event.transition() == AlertTransition.OPENED) {
                        latencies.add(record.timestamp() - event.openedAt().toEpochMilli());
                    }
                }
            }
        }
        Collections.sort(latencies);
        return latencies;
    }

    private static long percentile(List<Long> sorted, int percentile) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private void publishRule(String topic) throws Exception {
        AlertRule rule = new AlertRule("overheat", ORG, RuleScope.organisation(), "temperature", Comparison.GREATER, 90,
                Optional.of(10), Optional.empty(), Optional.of(85.0), Severity.MAJOR, Optional.empty(), true);
        try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
            producer.send(new ProducerRecord<>(topic, rule.key().getBytes(StandardCharsets.UTF_8),
                    RecordJson.write(rule))).get();
        }
    }

}
