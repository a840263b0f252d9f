package io.plantline.bench;

import io.plantline.model.AlertRule;
import io.plantline.model.Comparison;
import io.plantline.model.RuleScope;
import io.plantline.model.Severity;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.RecordJson;
import io.plantline.pipeline.JobOptions;
import io.plantline.pipeline.TelemetryAnalyticsJob;
import io.plantline.pipeline.anomaly.AnomalySettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What a long sustain term costs: every one of 2,000 devices breaches the rule for the whole backlog, and the
 * telemetry analytics job runs over it once with a rule asking for 10 s and once for 3,600 s, alternating. Anchored
 * patterns keep one partial match per device and rule, so the two should cost about the same.
 *
 * <pre>java ... SustainedBreachBenchmark [seconds of backlog=150] [rounds=3]</pre>
 */
public final class SustainedBreachBenchmark {

    private final BenchStack stack;

    private SustainedBreachBenchmark(BenchStack stack) {
        this.stack = stack;
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 150;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        try (BenchStack stack = BenchStack.start("sustained-breach")) {
            new SustainedBreachBenchmark(stack).run(seconds, rounds);
        }
        System.exit(0);
    }

    private void run(int seconds, int rounds) throws Exception {
        long messages = (long) seconds * TelemetryAnalyticsBenchmark.DEVICES;
        System.out.printf("""

                ## Sustained breach, 10 s rule against 1 h rule (issue 16, item 7)

                `bench/sustained-breach.sh %d %d`, run %s: %,d devices each breaching for all of %d s (%,d messages, one a
                second per device), the analytics job at parallelism %d over that backlog, alternating a rule of 10 s and
                one of 3,600 s.

                | round | 10 s rule: seconds | 3,600 s rule: seconds | ratio (1 h / 10 s) |
                |---|---|---|---|
                """, seconds, rounds, Instant.now().toString().substring(0, 10), TelemetryAnalyticsBenchmark.DEVICES,
                seconds, messages, TelemetryAnalyticsBenchmark.PARALLELISM);
        for (int round = 1; round <= rounds; round++) {
            double shortRule = timeJob(seconds, 10);
            double longRule = timeJob(seconds, 3_600);
            System.out.printf("| %d | %.1f | %.1f | %.2f |%n", round, shortRule, longRule, longRule / shortRule);
        }
    }

    private void produceBreachingBacklog(String topic, int seconds) throws Exception {
        DeviceMessageCodec codec = DeviceMessageCodec.withDefaults();
        long start = Instant.now().minus(Duration.ofDays(1)).toEpochMilli() / 60_000 * 60_000;
        Random random = new Random(3);
        try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
            for (int second = 0; second < seconds; second++) {
                for (int device = 0; device < TelemetryAnalyticsBenchmark.DEVICES; device++) {
                    TelemetryAnalyticsBenchmark.send(producer, codec, topic, device, start + second * 1000L, true, random,
                            false);
                }
            }
            producer.flush();
        }
        stack.requireRecords(topic, (long) seconds * TelemetryAnalyticsBenchmark.DEVICES);
    }

    /**
     * The job over a backlog of its own (the job resumes from its consumer group's offsets, so each run reads a fresh
     * copy of the same records) with a rule of {@code forSeconds}; start to finish, in seconds.
     */
    private double timeJob(int seconds, int forSeconds) throws Exception {
        String backlog = stack.createTopic("telemetry-breach", TelemetryAnalyticsBenchmark.PARTITIONS);
        produceBreachingBacklog(backlog, seconds);
        stack.execute("TRUNCATE telemetry_1m, alerts, anomalies CASCADE");
        String rules = stack.createTopic("rules", 1);
        AlertRule rule = new AlertRule("overheat", TelemetryAnalyticsBenchmark.ORG, RuleScope.organisation(),
                "temperature", Comparison.GREATER, 90, Optional.of(forSeconds), Optional.empty(), Optional.of(85.0),
                Severity.MAJOR, Optional.empty(), true);
        try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
            producer.send(new ProducerRecord<>(rules, rule.key().getBytes(StandardCharsets.UTF_8), RecordJson.write(rule)))
                    .get();
        }
        JobOptions options = stack.options();
        long start = System.nanoTime();
        stack.flink.executeJobBlocking(BenchStack.graph(TelemetryAnalyticsJob.NAME, options, env ->
                new TelemetryAnalyticsJob(TelemetryAnalyticsJob.kafkaSources(stack.bootstrap, backlog, rules, true),
                        TelemetryAnalyticsJob.postgresAndKafkaSinks(options, stack.createTopic("alerts", 1),
                                stack.createTopic("dead-letter", 1)),
                        new TelemetryAnalyticsJob.Options(options, AnomalySettings.DEFAULTS)).build(env)).getJobGraph());
        return BenchStack.seconds(start);
    }
}
