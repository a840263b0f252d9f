package io.plantline.pipeline.sink;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;

/**
 * The jobs' Kafka sinks. At least once, for latency: an exactly-once sink would hold every record back until the
 * next checkpoint. Each record the jobs publish carries what a consumer deduplicates on after a restart.
 */
public final class KafkaTopicSinks {

    private KafkaTopicSinks() {
    }

    public static <T> KafkaSink<T> atLeastOnce(String bootstrapServers, KafkaRecordSerializationSchema<T> serializer) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(bootstrapServers)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setRecordSerializer(serializer)
                .build();
    }
}
