package io.plantline.bench;

import io.plantline.model.DeviceRef;
import io.plantline.model.DeviceSettings;
import io.plantline.model.MachineState;
import io.plantline.model.MachineStateChange;
import io.plantline.model.PartCount;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.RecordJson;
import io.plantline.pipeline.JobOptions;
import io.plantline.pipeline.OeeJob;
import io.plantline.pipeline.lifecycle.LifecycleSettings;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.JobID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Machine events per second through the OEE job at parallelism 2 (in-process Kafka to embedded PostgreSQL, minute
 * rows and their hour and day roll-ups written), and the job's state for 1,000, 10,000 and 100,000 machines.
 * Each machine reports RUNNING, a count every 10 s, a short IDLE stop, and RUNNING again, for a few minutes.
 *
 * <pre>java ... OeeBenchmark [minutes=3] [machine counts=1000,10000,100000]</pre>
 */
public final class OeeBenchmark {

    private final BenchStack stack;

    private OeeBenchmark(BenchStack stack) {
        this.stack = stack;
    }

    public static void main(String[] args) throws Exception {
        int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String counts = args.length > 1 ? args[1] : "1000,10000,100000";
        try (BenchStack stack = BenchStack.start("oee")) {
            System.out.printf("""

                    ## OEE job (issue 5)

                    `bench/oee.sh %d %s`, run %s: per machine a RUNNING event, a part count every 10 s, an IDLE stop of
                    10 s a minute, for %d minutes of event time, produced before the job starts; the OEE job at
                    parallelism %d on a MiniCluster in the same JVM (RocksDB, 10 s checkpoints), writing every minute
                    through `write_oee_minutes` (a batch of minutes and their hours and days) into embedded PostgreSQL 17.

                    | machines | events | minute rows | job, events/s to the last minute row | checkpoint | per machine | heap after GC |
                    |---|---|---|---|---|---|---|
                    """, minutes, counts, Instant.now().toString().substring(0, 10), minutes, BenchStack.PARALLELISM);
            for (String count : counts.split(",")) {
                new OeeBenchmark(stack).run(Integer.parseInt(count.trim()), minutes);
            }
        }
        System.exit(0);
    }

    private void run(int machines, int minutes) throws Exception {
        stack.execute("TRUNCATE oee_1m, oee_1h, oee_1d");
        String events = stack.createTopic("machine-events", 4);
        String rules = stack.createTopic("rules", 1);
        long start = Instant.now().minus(Duration.ofDays(1)).toEpochMilli() / 60_000 * 60_000;
        long produced = produce(events, rules, machines, minutes, start);

        JobOptions options = stack.options();
        long jobStart = System.nanoTime();
        JobID job = stack.flink.submitJob(BenchStack.graph(OeeJob.NAME, options, env -> new OeeJob(
                OeeJob.kafkaSources(stack.bootstrap, events, List.of(stack.createTopic("telemetry", 1)), rules),
                OeeJob.postgresAndKafkaSinks(options, stack.createTopic("dead-letter", 1)),
                OeeJob.Options.of(options, LifecycleSettings.DEFAULTS)).build(env))
                .getJobGraph()).get().getJobID();
        long expectedRows = (long) machines * minutes;
        while (stack.queryLong("SELECT count(*) FROM oee_1m") < expectedRows) {
            Thread.sleep(200);
        }
        double seconds = BenchStack.seconds(jobStart);
        Thread.sleep(Duration.ofSeconds(12).toMillis());   // one more checkpoint with all machines in state
        long checkpointBytes = stack.checkpointBytes(job);
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        stack.flink.cancelJob(job).get();
        System.out.printf("| %,d | %,d | %,d | %,.0f (%.1f s, start-up included) | %,d KB | %.2f KB | %,d MB |%n",
                machines, produced, stack.queryLong("SELECT count(*) FROM oee_1m"), produced / seconds, seconds,
                checkpointBytes / 1024, checkpointBytes / 1024.0 / machines, heap >> 20);
    }

    /** Settings first, then each machine's events, then one event a minute later per machine to move event time on. */
    private long produce(String events, String rules, int machines, int minutes, long start) throws Exception {
        DeviceMessageCodec codec = DeviceMessageCodec.withDefaults();
        long produced = 0;
        try (KafkaProducer<byte[], byte[]> producer = stack.producer()) {
            for (int machine = 0; machine < machines; machine++) {
                DeviceSettings settings = DeviceSettings.of("bench", "m-" + machine, Optional.of(2.0),
                        Instant.ofEpochMilli(start - 60_000), Map.of());
                producer.send(new ProducerRecord<>(rules, settings.key().getBytes(StandardCharsets.UTF_8),
                        RecordJson.write(settings)));
            }
            for (long second = 0; second <= minutes * 60L + 60; second += 10) {
                for (int machine = 0; machine < machines; machine++) {
                    DeviceRef device = new DeviceRef("bench", "m-" + machine);
                    Instant ts = Instant.ofEpochMilli(start + second * 1000 + machine % 1000);
                    byte[] value;
                    if (second % 60 == 0) {
                        value = codec.encode(new MachineStateChange(device, ts, ts, MachineState.RUNNING));
                    } else if (second % 60 == 50) {
                        value = codec.encode(new MachineStateChange(device, ts, ts, MachineState.IDLE));
                    } else {
                        value = codec.encode(new PartCount(device, ts, ts, 5, 4 + machine % 2));
                    }
                    producer.send(new ProducerRecord<>(events, device.key().getBytes(StandardCharsets.UTF_8), value));
                    produced++;
                }
            }
            producer.flush();
        }
        return produced;
    }
}
