package io.plantline.pipeline.rules;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Where each partition of the rules topic ends now: the offset of its last record, found by reading its tail
 * (the end offset alone can point past a transaction marker). Partitions with no record are left out: there is
 * nothing to wait for.
 */
final class RulesTopicEnd {

    /** How far before the end the last record is looked for first; the whole partition if none is there. */
    private static final long TAIL = 64;

    private RulesTopicEnd() {
    }

    static Map<Integer, Long> lastRecordOffsets(String bootstrapServers, String topic, Duration timeout) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "plantline-rules-end-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, timeout);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            Map<Integer, Long> last = new HashMap<>();
            for (TopicPartition partition : partitions) {
                long from = Math.max(begin.get(partition), end.get(partition) - TAIL);
                long found = lastRecordBetween(consumer, partition, from, end.get(partition), timeout);
                if (found < 0 && from > begin.get(partition)) {
                    found = lastRecordBetween(consumer, partition, begin.get(partition), end.get(partition), timeout);
                }
                if (found >= 0) {
                    last.put(partition.partition(), found);
                }
            }
            return last;
        }
    }

    private static long lastRecordBetween(KafkaConsumer<byte[], byte[]> consumer, TopicPartition partition, long from,
                                          long end, Duration timeout) {
        consumer.assign(List.of(partition));
        consumer.seek(partition, from);
        long last = -1;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (consumer.position(partition, timeout) < end && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200)).records(partition)) {
                last = Math.max(last, record.offset());
            }
        }
        return last;
    }
}
