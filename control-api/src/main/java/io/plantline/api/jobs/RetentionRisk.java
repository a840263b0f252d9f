package io.plantline.api.jobs;

import io.plantline.model.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a job's backlog nears what Kafka keeps. Kafka deletes a record once it is {@code retention.ms} old, read or
 * not; a job has processed its topics up to the offsets its consumer group committed ({@link Topics#jobConsumerGroup},
 * at every checkpoint, also while the job is down). The records past those offsets that are older than
 * {@code share} of their topic's retention are soon deleted unprocessed. A job that is merely idle, everything it was
 * given processed, has none, however long ago it last checkpointed.
 */
public final class RetentionRisk {

    /** Warn once the oldest unprocessed records are this share of the retention old: a day ahead at Kafka's 7 days. */
    public static final int DEFAULT_PERCENT = 80;
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(RetentionRisk.class);

    private final Admin kafka;
    private final int percent;

    /** @param percent of a topic's retention: unprocessed records older than this are warned about */
    public RetentionRisk(Admin kafka, int percent) {
        this.kafka = kafka;
        this.percent = percent;
    }

    /**
     * The warning for {@code job} at {@code now}: per topic, how many records it has not processed are older than the
     * threshold, and within how long they are deleted. Empty when there are none, or when Kafka does not answer
     * (logged), so a Kafka outage never reads as data at risk.
     */
    public Optional<String> warning(String job, Instant now) {
        try {
            Map<TopicPartition, Long> processed = processedOffsets(job);
            Map<String, Duration> retention = retentions(processed.keySet().stream().map(TopicPartition::topic)
                    .collect(Collectors.toSet()));
            processed.keySet().removeIf(partition -> !retention.containsKey(partition.topic()));
            Map<TopicPartition, ListOffsetsResultInfo> ends = offsets(processed.keySet(),
                    partition -> OffsetSpec.latest());
            Map<TopicPartition, ListOffsetsResultInfo> youngEnough = offsets(processed.keySet(),
                    partition -> OffsetSpec.forTimestamp(now.minus(threshold(retention.get(partition.topic())))
                            .toEpochMilli()));
            Map<String, Long> atRisk = new TreeMap<>();
            for (Map.Entry<TopicPartition, Long> partition : processed.entrySet()) {
                // The first record younger than the threshold; none (-1): every record of the partition is older.
                long young = youngEnough.get(partition.getKey()).offset();
                long oldEnd = young < 0 ? ends.get(partition.getKey()).offset() : young;
                if (oldEnd > partition.getValue()) {
                    atRisk.merge(partition.getKey().topic(), oldEnd - partition.getValue(), Long::sum);
                }
            }
            if (atRisk.isEmpty()) {
                return Optional.empty();
            }
            List<String> topics = new ArrayList<>();
            atRisk.forEach((topic, records) -> {
                Duration kept = retention.get(topic);
                topics.add(String.format(Locale.ROOT, "%d records of %s older than %s, which Kafka deletes within %s"
                        + " (it keeps records %s)", records, topic, hours(threshold(kept)),
                        hours(kept.minus(threshold(kept))), hours(kept)));
            });
            return Optional.of(job + " has not processed " + String.join("; ", topics));
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("cannot read how far behind {} is", job, e);
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private Duration threshold(Duration retention) {
        return retention.multipliedBy(percent).dividedBy(100);
    }

    /** Per partition the group committed, the offset of the first record the job has not processed. */
    private Map<TopicPartition, Long> processedOffsets(String job)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> committed = kafka.listConsumerGroupOffsets(Topics.jobConsumerGroup(job))
                .partitionsToOffsetAndMetadata().get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> processed = new HashMap<>();
        committed.forEach((partition, offset) -> {
            if (offset != null) {
                processed.put(partition, offset.offset());
            }
        });
        return processed;
    }

    /** Each topic's {@code retention.ms}; a topic that keeps records for ever is left out. */
    private Map<String, Duration> retentions(Set<String> topics)
            throws ExecutionException, InterruptedException, TimeoutException {
        if (topics.isEmpty()) {
            return Map.of();
        }
        Map<ConfigResource, Config> configs = kafka.describeConfigs(topics.stream()
                        .map(topic -> new ConfigResource(ConfigResource.Type.TOPIC, topic)).toList())
                .all().get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<String, Duration> retention = new HashMap<>();
        configs.forEach((resource, config) -> {
            ConfigEntry entry = config.get(TopicConfig.RETENTION_MS_CONFIG);
            long ms = entry == null || entry.value() == null ? -1 : Long.parseLong(entry.value());
            if (ms > 0) {
                retention.put(resource.name(), Duration.ofMillis(ms));
            }
        });
        return retention;
    }

    private Map<TopicPartition, ListOffsetsResultInfo> offsets(Set<TopicPartition> partitions,
                                                               Function<TopicPartition, OffsetSpec> spec)
            throws ExecutionException, InterruptedException, TimeoutException {
        if (partitions.isEmpty()) {
            return Map.of();
        }
        return kafka.listOffsets(partitions.stream().collect(Collectors.toMap(Function.identity(), spec)))
                .all().get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whole hours from 2 h on; minutes below, for short retentions. */
    private static String hours(Duration duration) {
        return duration.toHours() >= 2 ? duration.toHours() + " h" : duration.toMinutes() + " min";
    }
}
