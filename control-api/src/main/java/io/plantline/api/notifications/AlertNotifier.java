package io.plantline.api.notifications;

import io.plantline.api.db.Database;
import io.plantline.concurrent.DaemonThreads;
import io.plantline.model.AlertEvent;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code factory.alerts} in the consumer group {@value #GROUP} (API servers share its partitions) and queues
 * each alert change people are told of ({@link NotificationEvent#of}) in the {@link Outbox}. The offsets of a poll
 * are committed only after its deliveries are: a crash reads the records again, and the outbox queues each
 * (event, subscription) once. The group starts at the topic's end the first time: history is not announced; the
 * positions it starts from at each assignment are committed at once, so a later start knows where to go on.
 * A record it cannot read is skipped and logged (the topic's writers are the jobs and this API).
 */
final class AlertNotifier implements AutoCloseable {

    static final String GROUP = "plantline-notifier";
    private static final Logger LOG = LoggerFactory.getLogger(AlertNotifier.class);
    private static final Duration RETRY = Duration.ofSeconds(2);
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration OFFSETS_TIMEOUT = Duration.ofSeconds(5);

    private final KafkaConsumer<String, byte[]> consumer;
    private final Database database;
    private final Clock clock;
    private final Thread reader;
    private final CountDownLatch assigned = new CountDownLatch(1);
    private final CountDownLatch stopping = new CountDownLatch(1);

    AlertNotifier(String kafkaBootstrap, Database database, Clock clock) {
        this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500,
                // A server killed without leaving holds its partitions until this passes (Kafka's default 45 s).
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis()),
                new StringDeserializer(), new ByteArrayDeserializer());
        this.database = database;
        this.clock = clock;
        this.reader = DaemonThreads.named("alert-notifier").newThread(this::read);
    }

    /**
     * Starts reading. The first time the group reads, "latest" is fixed only once it has its partitions: then this
     * returns once it has them (or after {@code wait}). A group that has committed offsets goes on from them whenever
     * its partitions come, so start does not wait for a member of a server that was killed to time out.
     */
    void start(Duration wait) throws InterruptedException {
        boolean goesOnFromOffsets = hasCommittedOffsets();
        consumer.subscribe(List.of(Topics.ALERTS), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
            }

            @Override
            public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
                // Fixes "latest" for a new group now, so nothing written from here on is missed.
                Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
                partitions.forEach(partition -> positions.put(partition,
                        new OffsetAndMetadata(consumer.position(partition))));
                try {
                    // Committed at once, so the next start goes on from here without waiting (hasCommittedOffsets).
                    consumer.commitSync(positions);
                } catch (KafkaException e) {
                    LOG.warn("cannot commit the notifier's first positions; the next start waits for its partitions", e);
                }
                assigned.countDown();
            }
        });
        reader.start();
        if (!goesOnFromOffsets && !assigned.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warn("the notifier has no partitions of {} after {}; it goes on trying", Topics.ALERTS, wait);
        }
    }

    /** Whether the group has an offset for every partition of the topic; not when Kafka does not say. */
    private boolean hasCommittedOffsets() {
        try {
            Set<TopicPartition> partitions = consumer.partitionsFor(Topics.ALERTS, OFFSETS_TIMEOUT).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).collect(Collectors.toSet());
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions, OFFSETS_TIMEOUT);
            return !partitions.isEmpty() && partitions.stream().allMatch(partition -> committed.get(partition) != null);
        } catch (KafkaException e) {
            LOG.debug("cannot read the committed offsets of {}", GROUP, e);
            return false;
        }
    }

    private void read() {
        try {
            while (stopping.getCount() > 0) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    continue;
                }
                try {
                    queue(records);
                    consumer.commitSync(nextOffsets(records));
                } catch (RuntimeException e) {
                    LOG.warn("queueing notifications failed; reading the records again in {}", RETRY, e);
                    rewind(records);
                    stopping.await(RETRY.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        } catch (WakeupException e) {
            // close() stops the reader
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void queue(ConsumerRecords<String, byte[]> records) {
        database.transaction(tx -> {
            for (ConsumerRecord<String, byte[]> record : records) {
                Optional<NotificationEvent> event = event(record);
                if (event.isPresent()) {
                    Outbox.enqueue(tx, event.get(), clock.instant());
                }
            }
            return null;
        });
    }

    private static Optional<NotificationEvent> event(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null || RecordJson.isOtaTargetEvent(record.value())) {
            return Optional.empty();
        }
        try {
            AlertEvent alert = RecordJson.readAlertEvent(record.value());
            return NotificationEvent.of(alert);
        } catch (RecordJson.InvalidRecordException e) {
            LOG.warn("skipping an unreadable record on {} at {}/{}: {}", Topics.ALERTS, record.partition(),
                    record.offset(), e.getMessage());
            return Optional.empty();
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<String, byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : records.partitions()) {
            List<ConsumerRecord<String, byte[]>> read = records.records(partition);
            offsets.put(partition, new OffsetAndMetadata(read.get(read.size() - 1).offset() + 1));
        }
        return offsets;
    }

    private void rewind(ConsumerRecords<String, byte[]> records) {
        for (TopicPartition partition : records.partitions()) {
            consumer.seek(partition, records.records(partition).get(0).offset());
        }
    }

    @Override
    public void close() throws InterruptedException {
        // No interrupt: the consumer must still leave its group cleanly, so the partitions move on at once.
        stopping.countDown();
        consumer.wakeup();
        reader.join(TimeUnit.SECONDS.toMillis(10));
    }
}
