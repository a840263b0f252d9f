package io.plantline.pipeline.ingest;

import io.plantline.model.Topics;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Devices' topics as a job reads them: in the job's consumer group, from its committed offsets, and from the earliest
 * record the first time, so that a job started without state reads what the devices sent before it ran. A job restored
 * from a checkpoint resumes from the offsets in its state instead.
 */
public final class DeviceTopicSource {

    private DeviceTopicSource() {
    }

    public static <T> KafkaSourceBuilder<T> builder(String bootstrapServers, String jobName,
                                                    KafkaRecordDeserializationSchema<T> deserializer, String... topics) {
        return KafkaSource.<T>builder()
                .setBootstrapServers(bootstrapServers)
                .setTopics(topics)
                .setGroupId(Topics.jobConsumerGroup(jobName))
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(deserializer);
    }
}
