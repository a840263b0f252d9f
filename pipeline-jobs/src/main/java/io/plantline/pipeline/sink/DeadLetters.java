package io.plantline.pipeline.sink;

import io.plantline.model.DeadLetter;
import io.plantline.model.json.RecordJson;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The side output every operator sends unusable records to, and the sink that puts them on the dead-letter topic. */
public final class DeadLetters {

    public static final OutputTag<DeadLetter> TAG = new OutputTag<>("dead-letters") {
    };

    private DeadLetters() {
    }

    /**
     * At least once: a dead letter repeated after a restart carries the same origin (topic-partition@offset),
     * which is what an operator deduplicates on; an exactly-once sink would hold every one back until a checkpoint.
     */
    public static KafkaSink<DeadLetter> kafkaSink(String bootstrapServers, String topic) {
        return KafkaSink.<DeadLetter>builder()
                .setBootstrapServers(bootstrapServers)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setRecordSerializer((KafkaRecordSerializationSchema<DeadLetter>) (deadLetter, context, timestamp) ->
                        new ProducerRecord<>(topic,
                                deadLetter.key() == null ? null : deadLetter.key().getBytes(StandardCharsets.UTF_8),
                                RecordJson.write(deadLetter)))
                .build();
    }
}
