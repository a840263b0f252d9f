package io.plantline.bench;

import io.plantline.embedded.EmbeddedKafkaServer;
import io.plantline.embedded.KafkaTopics;
import io.plantline.model.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What flushing local mode's Kafka log after every write costs: records of 300 bytes sent as the bridge sends them
 * (acks=all, idempotent, lz4, 5 ms linger), once as fast as Kafka takes them (records/s) and once one at a time, each
 * waiting for its acknowledgement, as a single device at QoS 1 waits (latency), against local mode's Kafka on this
 * machine's disk, with the page cache only and with a flush per write.
 *
 * <p>Arguments: {@code [records=50000] [one-at-a-time=2000]}.
 */
public final class LocalKafkaFlushBenchmark {

    public static void main(String[] args) throws Exception {
        System.setProperty("logback.configurationFile", "bench-logback.xml");
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int oneAtATime = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        for (EmbeddedKafkaServer.Durability durability : EmbeddedKafkaServer.Durability.values()) {
            // Not under /tmp, which may be memory (tmpfs), where a flush costs nothing.
            Path log = Files.createTempDirectory(Path.of(System.getProperty("user.home")), "plantline-flush-bench");
            try (EmbeddedKafkaServer kafka = EmbeddedKafkaServer.start(0, log, java.time.Duration.ofDays(7),
                    durability);
                 KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                         ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                         ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                         ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.LINGER_MS_CONFIG, 5),
                         new StringSerializer(), new ByteArraySerializer())) {
                KafkaTopics.createAll(kafka.bootstrapServers(), 4);
                byte[] value = new byte[300];
                Arrays.fill(value, (byte) 'x');
                send(producer, value, 1_000);      // warm-up
                long begin = System.nanoTime();
                send(producer, value, records);
                double perSecond = records / ((System.nanoTime() - begin) / 1e9);
                long[] micros = new long[oneAtATime];
                for (int i = 0; i < oneAtATime; i++) {
                    long sent = System.nanoTime();
                    producer.send(new ProducerRecord<>(Topics.TELEMETRY, "bench/device-1", value)).get();
                    micros[i] = (System.nanoTime() - sent) / 1_000;
                }
                Arrays.sort(micros);
                System.out.printf(Locale.ROOT, "%-17s %,9.0f records/s   one at a time: p50 %,6.2f ms  p99 %,6.2f ms%n",
                        durability, perSecond, micros[oneAtATime / 2] / 1e3, micros[oneAtATime * 99 / 100] / 1e3);
            } finally {
                try (var paths = Files.walk(log)) {
                    paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            }
        }
        System.exit(0);
    }

    private static void send(KafkaProducer<String, byte[]> producer, byte[] value, int count) throws InterruptedException {
        CountDownLatch acknowledged = new CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            producer.send(new ProducerRecord<>(Topics.TELEMETRY, "bench/device-" + (i % 100), value),
                    (metadata, error) -> acknowledged.countDown());
        }
        acknowledged.await();
    }
}
