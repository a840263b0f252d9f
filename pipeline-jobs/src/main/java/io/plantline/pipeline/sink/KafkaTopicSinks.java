package io.plantline.pipeline.sink;

import io.plantline.model.DeadLetter;
import java.io.Serializable;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * A job's Kafka sinks. At least once, for latency: an exactly-once sink would hold every record back until the
 * next checkpoint. Each record the jobs publish carries what a consumer deduplicates on after a restart.
 *
 * <p>Kafka fails the whole sink on a record larger than it takes, and a restart would meet the same record again, so
 * every record is measured first ({@link RecordsThatFit}): one too large for its topic becomes a dead letter, and a
 * dead letter too large is cut to fit.
 *
 * @param jobName the source of the dead letters these sinks write
 */
public record KafkaTopicSinks(String bootstrapServers, String deadLetterTopic, String jobName) implements Serializable {

    /** The producer's limit on a request, Kafka's default, which also bounds any one record. */
    static final int MAX_REQUEST_BYTES = 1024 * 1024;

    public <T> KafkaSink<T> atLeastOnce(String topic, KafkaRecordSerializationSchema<T> serializer) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(bootstrapServers)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(MAX_REQUEST_BYTES))
                .setRecordSerializer(new RecordsThatFit<>(this, topic, serializer))
                .build();
    }

    /** The dead-letter topic's sink, keyed like the record each letter refuses. */
    public KafkaSink<DeadLetter> deadLetters() {
        return atLeastOnce(deadLetterTopic, (letter, context, timestamp) -> DeadLetters.record(deadLetterTopic, letter));
    }
}
