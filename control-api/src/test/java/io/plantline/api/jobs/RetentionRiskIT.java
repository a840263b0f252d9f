package io.plantline.api.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.Topics;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.TestKafka;
import io.plantline.testing.UniqueNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 37, item 13: the retention warning is about real lag, read from Kafka: the records past a job's committed
 * offsets that are older than 80% of their topic's retention. A topic keeping records one hour holds three readings 55
 * minutes old and two of a minute ago.
 */
@ExtendWith(KafkaExtension.class)
class RetentionRiskIT {

    private static final Duration ONE_HOUR = Duration.ofHours(1);

    private Admin admin;
    private String topic;
    private final Instant now = Instant.now();

    @BeforeEach
    void topicWithOldAndNewRecords(TestKafka kafka) throws Exception {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        topic = UniqueNames.of("retention");
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of(
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(ONE_HOUR.toMillis()))))).all().get();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Instant at : List.of(now.minusSeconds(55 * 60), now.minusSeconds(55 * 60), now.minusSeconds(54 * 60),
                    now.minusSeconds(60), now.minusSeconds(30))) {
                producer.send(new ProducerRecord<>(topic, 0, at.toEpochMilli(), null,
                        "reading".getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }

    @AfterEach
    void closeAdmin() {
        admin.close();
    }

    @Test
    void aJobBehindByMoreThanTheShareOfTheRetentionIsWarnedAbout() throws Exception {
        String job = processedUpTo(1);

        assertThat(new RetentionRisk(admin, RetentionRisk.DEFAULT_PERCENT).warning(job, now)).hasValue(job
                + " has not processed 2 records of " + topic + " older than 48 min, which Kafka deletes within 12 min"
                + " (it keeps records 60 min)");
    }

    @Test
    void anIdleJobThatProcessedEverythingIsNotWarnedAboutHoweverOldItsRecords() throws Exception {
        String job = processedUpTo(5);

        assertThat(new RetentionRisk(admin, RetentionRisk.DEFAULT_PERCENT).warning(job, now)).isEmpty();
    }

    @Test
    void aJobBehindOnlyByRecentRecordsIsNotWarnedAbout() throws Exception {
        String job = processedUpTo(3);

        assertThat(new RetentionRisk(admin, RetentionRisk.DEFAULT_PERCENT).warning(job, now)).isEmpty();
    }

    @Test
    void theShareIsTheOneConfigured() throws Exception {
        String job = processedUpTo(1);

        assertThat(new RetentionRisk(admin, 95).warning(job, now)).isEmpty();
    }

    /** A job, named for this test alone, whose group committed {@code offset}: what a checkpoint commits. */
    private String processedUpTo(long offset) throws Exception {
        String job = UniqueNames.of("job");
        admin.alterConsumerGroupOffsets(Topics.jobConsumerGroup(job),
                Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(offset))).all().get();
        return job;
    }
}
