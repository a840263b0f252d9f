package io.plantline.bench;

import io.plantline.model.DeviceMessage;
import io.plantline.model.DeviceRef;
import io.plantline.model.DeviceSettings;
import io.plantline.model.MachineState;
import io.plantline.model.MachineStateChange;
import io.plantline.model.MessageId;
import io.plantline.model.PartCount;
import io.plantline.model.TelemetryReading;
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
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Machine events and signs of life per second through the OEE job at parallelism 2 (in-process Kafka to embedded
 * PostgreSQL, minute rows with their hour and day roll-ups and their stops written), its checkpoints and its sink's
 * rows per second, for 1,000, 10,000 and 100,000 machines. Each machine reports RUNNING, a count every 10 s, a short
 * IDLE stop with a reason, and RUNNING again, and like a real device a telemetry reading every 10 s, for a few minutes.
 *
 * <pre>java ... OeeBenchmark [minutes=3] [machine counts=1000,10000,100000]</pre>
 */
public final class OeeBenchmark {

    /** Device reasons the IDLE stops take in turn, so the stops table holds more than one. */
    private static final List<String> IDLE_REASONS = List.of("no-material", "changeover", "operator-break");

    /** Checkpoints taken after the backlog is drained, for the steady state's figures. */
    private static final int STEADY_CHECKPOINTS = 3;

    /**
     * No new minute row for this long, once the first is written, ends a run with the rows it has: a starved run is
     * reported, not waited on forever.
     */
    private static final Duration STALLED = Duration.ofSeconds(90);

    private final BenchStack stack;

    private OeeBenchmark(BenchStack stack) {
        this.stack = stack;
    }

    public static void main(String[] args) throws Exception {
        int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String counts = args.length > 1 ? args[1] : "1000,10000,100000";
        try (BenchStack stack = BenchStack.start("oee")) {
            System.out.printf("""

                    `bench/oee.sh %d %s`, run %s: per machine a RUNNING event, a part count every 10 s, an IDLE stop of
                    10 s a minute with a device reason, and a telemetry reading of 2 metrics every 10 s, for %d minutes
                    of event time, produced before the job starts; the OEE job at parallelism %d on a MiniCluster in
                    the same JVM (RocksDB, 10 s checkpoints), writing every minute with its stops into embedded
                    PostgreSQL 17. Events/s run from the job's submission to the last minute row (start-up included);
                    sink rows/s from the first minute row to the last.

                    | machines | machine events | signs of life | minute rows | stop rows (stops, stop minutes) | job, events/s to the last minute row: machine events + signs of life = total | sink, minute rows/s (stop rows/s) | checkpoint files | per machine | last checkpoint: state, duration | checkpoints while draining (n: median / max) | slowest while draining | checkpoints in steady state (n: median / max) | failed checkpoints | heap after GC | load average at start → end |
                    |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
                    """, minutes, counts, Instant.now().toString().substring(0, 10), minutes, BenchStack.PARALLELISM);
            for (String count : counts.split(",")) {
                new OeeBenchmark(stack).run(Integer.parseInt(count.trim()), minutes);
            }
        }
        System.exit(0);
    }

    private void run(int machines, int minutes) throws Exception {
        double loadAtStart = loadAverage();
        stack.execute("TRUNCATE oee_1m, oee_1h, oee_1d, stops, oee_stop_minutes");
        String events = stack.createTopic("machine-events", 4);
        String telemetry = stack.createTopic("telemetry", 4);
        String rules = stack.createTopic("rules", 1);
        long start = Instant.now().minus(Duration.ofDays(1)).toEpochMilli() / 60_000 * 60_000;
        Produced produced = produce(events, telemetry, rules, machines, minutes, start);
        stack.requireRecords(events, produced.machineEvents());
        stack.requireRecords(telemetry, produced.readings());

        JobOptions options = stack.options();
        long jobStart = System.nanoTime();
        JobID job = stack.flink.submitJob(BenchStack.graph(OeeJob.NAME, options, env -> new OeeJob(
                OeeJob.kafkaSources(stack.bootstrap, events,
                        List.of(telemetry, stack.createTopic("device-events", 1)), rules),
                OeeJob.postgresAndKafkaSinks(options, stack.createTopic("dead-letter", 1)),
                OeeJob.Options.of(options, LifecycleSettings.DEFAULTS)).build(env))
                .getJobGraph()).get().getJobID();
        long expectedRows = (long) machines * minutes;
        // Only the produced minutes: the readings 5 s into the minute after them may close some of that one too.
        String producedMinuteRows = "SELECT count(*) FROM oee_1m WHERE bucket_start < to_timestamp("
                + (start / 1000 + minutes * 60L) + ")";
        long firstRow = 0;
        long rows;
        CheckpointLog checkpoints = new CheckpointLog();
        long lastRows = 0;
        long lastNewRow = System.nanoTime();
        for (int poll = 1; (rows = stack.queryLong(producedMinuteRows)) < expectedRows; poll++) {
            if (firstRow == 0 && rows > 0) {
                firstRow = System.nanoTime();
            }
            if (rows > lastRows) {
                lastRows = rows;
                lastNewRow = System.nanoTime();
            } else if (rows > 0 && BenchStack.seconds(lastNewRow) > STALLED.toSeconds()) {
                break;   // some rows will never come (records too late after a starved source fell idle): say so below
            }
            if (poll % 10 == 0) {   // the statistics keep only the latest checkpoints, so they are read as we go
                checkpoints.record(checkpointStats(job));
            }
            Thread.sleep(200);
        }
        double seconds = BenchStack.seconds(jobStart);
        double sinkSeconds = BenchStack.seconds(firstRow == 0 ? jobStart : firstRow);
        long drainedAtMs = System.currentTimeMillis();
        long stopRows = stack.queryLong("SELECT count(*) FROM stops");
        long stopMinuteRows = stack.queryLong("SELECT count(*) FROM oee_stop_minutes");
        // Steady state: checkpoints with every machine in state and no backlog left.
        long steadyDeadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (checkpoints.triggeredFrom(drainedAtMs).size() < STEADY_CHECKPOINTS && System.nanoTime() < steadyDeadline) {
            Thread.sleep(1000);
            checkpoints.record(checkpointStats(job));
        }
        long checkpointBytes = stack.checkpointBytes(job);
        CompletedCheckpointStats last = checkpointStats(job).getHistory().getLatestCompletedCheckpoint();
        List<CheckpointLog.Checkpoint> draining = checkpoints.triggeredBefore(drainedAtMs);
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        stack.flink.cancelJob(job).get();
        long total = produced.machineEvents() + produced.readings();
        String minuteRows = rows < expectedRows ? String.format("%,d of %,d, stalled", rows, expectedRows)
                : String.format("%,d", rows);
        System.out.printf("| %,d | %,d | %,d | %s | %,d (%,d, %,d) | %,.0f + %,.0f = %,.0f (%.1f s) | %,.0f (%,.0f) "
                        + "| %,d KB | %.2f KB | %,d KB, %,d ms | %s | %s | %s | %d | %,d MB | %.1f → %.1f |%n",
                machines, produced.machineEvents(), produced.readings(), minuteRows, stopRows + stopMinuteRows, stopRows,
                stopMinuteRows, produced.machineEvents() / seconds, produced.readings() / seconds, total / seconds,
                seconds, rows / sinkSeconds, (stopRows + stopMinuteRows) / sinkSeconds, checkpointBytes / 1024,
                checkpointBytes / 1024.0 / machines, last.getStateSize() / 1024, last.getEndToEndDuration(),
                CheckpointLog.summary(draining), CheckpointLog.slowest(draining),
                CheckpointLog.summary(checkpoints.triggeredFrom(drainedAtMs)), checkpoints.failed(), heap >> 20,
                loadAtStart, loadAverage());
    }

    /** The machine's one-minute load average: the benchmark shares its cores with whatever else runs. */
    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private CheckpointStatsSnapshot checkpointStats(JobID job) throws Exception {
        return stack.flink.getExecutionGraph(job).get().getCheckpointStatsSnapshot();
    }

    private record Produced(long machineEvents, long readings) {
    }

    /**
     * Settings first, then each machine's events and readings 10 s apart (readings 5 s after the events), then one of
     * each a minute later per machine to move event time on.
     */
    private Produced produce(String events, String telemetry, String rules, int machines, int minutes, long start)
            throws Exception {
        DeviceMessageCodec codec = DeviceMessageCodec.withDefaults();
        long machineEvents = 0;
        long readings = 0;
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
                    byte[] key = device.key().getBytes(StandardCharsets.UTF_8);
                    Instant ts = Instant.ofEpochMilli(start + second * 1000 + machine % 1000);
                    producer.send(new ProducerRecord<>(events, key, codec.encode(machineEvent(device, ts, second,
                            machine))));
                    machineEvents++;
                    Instant readAt = ts.plusSeconds(5);
                    producer.send(new ProducerRecord<>(telemetry, key, codec.encode(new TelemetryReading(device,
                            readAt, readAt, Map.of("temperature", 60.0 + machine % 7, "spindle_rpm", 1200.0 + second)))));
                    readings++;
                }
            }
            producer.flush();
        }
        return new Produced(machineEvents, readings);
    }

    /** RUNNING at the minute, IDLE with a reason at its 50th second, a part count every other 10 s. */
    private static DeviceMessage machineEvent(DeviceRef device, Instant ts, long second, int machine) {
        if (second % 60 == 0) {
            return new MachineStateChange(device, ts, ts, MachineState.RUNNING);
        }
        if (second % 60 == 50) {
            String reason = IDLE_REASONS.get((int) ((second / 60 + machine) % IDLE_REASONS.size()));
            return new MachineStateChange(device, ts, ts, MachineState.IDLE, Optional.of(reason), MessageId.NONE);
        }
        return new PartCount(device, ts, ts, 5, 4 + machine % 2);
    }
}
