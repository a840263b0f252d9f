package io.plantline.api.alerts;

import io.plantline.concurrent.DaemonThreads;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads topics from their end on a thread of its own and hands each record to a handler: what is live, not history.
 * While nobody wants the records ({@code wantedSince} is empty) the partitions are paused, so records no one listens
 * to are not fetched; reading resumes at the first record written since the moment they were wanted again.
 */
final class TopicTail implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicTail.class);

    interface Handler {
        void handle(ConsumerRecord<String, byte[]> record);
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<String> topics;
    private final Supplier<Optional<Instant>> wantedSince;
    private final Handler handler;
    private final Thread reader;

    TopicTail(String kafkaBootstrap, List<String> topics, String name, Supplier<Optional<Instant>> wantedSince,
              Handler handler) {
        this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new ByteArrayDeserializer());
        this.topics = List.copyOf(topics);
        this.wantedSince = wantedSince;
        this.handler = handler;
        this.reader = DaemonThreads.named(name).newThread(this::read);
    }

    /** Positions at the end of every partition, then starts reading; returns once positioned. */
    void start() {
        List<TopicPartition> partitions = topics.stream()
                .flatMap(topic -> consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream())
                .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        reader.start();
    }

    private void read() {
        try {
            boolean paused = false;
            while (!Thread.currentThread().isInterrupted()) {
                Optional<Instant> since = wantedSince.get();
                if (since.isEmpty() != paused) {
                    if (since.isEmpty()) {
                        consumer.pause(consumer.assignment());
                    } else {
                        seekTo(since.get());
                        consumer.resume(consumer.assignment());
                    }
                    paused = since.isEmpty();
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(paused ? 500 : 1000))) {
                    handleOne(record);
                }
            }
        } catch (WakeupException e) {
            // close() wakes the reader to stop it
        } finally {
            consumer.close();
        }
    }

    /** One record the handler cannot take is logged and skipped: it must not stop the reader. */
    private void handleOne(ConsumerRecord<String, byte[]> record) {
        try {
            handler.handle(record);
        } catch (RuntimeException e) {
            LOG.warn("skipping record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
        }
    }

    /** To the first record written at or after {@code since} in each partition, or its end when there is none. */
    private void seekTo(Instant since) {
        Map<TopicPartition, Long> times = new HashMap<>();
        consumer.assignment().forEach(partition -> times.put(partition, since.toEpochMilli()));
        consumer.offsetsForTimes(times).forEach((partition, found) -> {
            if (found == null) {
                consumer.seekToEnd(List.of(partition));
            } else {
                consumer.seek(partition, found.offset());
            }
        });
    }

    @Override
    public void close() {
        if (reader.isAlive()) {
            consumer.wakeup();
        } else {
            consumer.close();
        }
    }
}
