package io.plantline.bench;

import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.pipeline.ingest.TelemetryDeserializer;
import io.plantline.pipeline.ingest.TelemetryRecord;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The analytics job's source decoding alone: {@link TelemetryDeserializer} over records held in memory (the
 * analytics benchmark's readings, 5 metrics each), on one thread, no Kafka and no Flink. Its API is the same
 * before and after issue 34, so one jar measures either build's decoding with that build's jars on the class path.
 * Prints one line per round after a warm-up round: data points decoded per second of the thread's CPU time and of
 * the wall clock.
 *
 * <pre>java ... TelemetryDecodingBenchmark [records=200000] [rounds=5] [msg-ids=no]</pre>
 */
public final class TelemetryDecodingBenchmark {

    private TelemetryDecodingBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        boolean withMsgIds = args.length > 2 && args[2].equals("yes");
        DeviceMessageCodec codec = DeviceMessageCodec.withDefaults();
        long start = Instant.now().minus(Duration.ofDays(1)).toEpochMilli() / 60_000 * 60_000;
        Random random = new Random(1);
        List<ConsumerRecord<byte[], byte[]>> consumed = new ArrayList<>(records);
        for (int i = 0; i < records; i++) {
            int device = i % TelemetryAnalyticsBenchmark.DEVICES;
            long ts = start + (i / TelemetryAnalyticsBenchmark.DEVICES) * 1000L;
            consumed.add(new ConsumerRecord<>("telemetry", device % 4, i, TelemetryAnalyticsBenchmark.key(device),
                    TelemetryAnalyticsBenchmark.reading(codec, device, ts, false, random, withMsgIds)));
        }
        // Called as the Kafka source calls it, through the interface both builds implement alike.
        KafkaRecordDeserializationSchema<TelemetryRecord> deserializer = new TelemetryDeserializer("bench");
        Points points = new Points();
        // On a shared machine the thread's CPU time says what the decoding costs; the wall clock also counts waiting.
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        for (int round = 0; round <= rounds; round++) {
            points.count = 0;
            long began = System.nanoTime();
            long cpuBegan = cpu.getCurrentThreadCpuTime();
            for (ConsumerRecord<byte[], byte[]> record : consumed) {
                deserializer.deserialize(record, points);
            }
            double cpuSeconds = (cpu.getCurrentThreadCpuTime() - cpuBegan) / 1e9;
            double seconds = BenchStack.seconds(began);
            System.out.printf("%s round %d: %,.0f data points per CPU second, %,.0f per second (%,d in %.2f s)%n",
                    round == 0 ? "warm-up" : "measured", round, points.count / cpuSeconds, points.count / seconds,
                    points.count, seconds);
        }
    }

    /** Counts the data points of the readings decoded. */
    private static final class Points implements Collector<TelemetryRecord> {
        long count;

        @Override
        public void collect(TelemetryRecord record) {
            count += record.reading().size();
        }

        @Override
        public void close() {
        }
    }
}
