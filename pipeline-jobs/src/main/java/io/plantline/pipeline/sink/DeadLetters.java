package io.plantline.pipeline.sink;

import io.plantline.model.DeadLetter;
import io.plantline.model.json.RecordJson;
import java.nio.charset.StandardCharsets;
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

    /** Keyed like the record it refuses; a repeat after a restart has the same origin (topic-partition@offset). */
    public static KafkaSink<DeadLetter> kafkaSink(String bootstrapServers, String topic) {
        return KafkaTopicSinks.atLeastOnce(bootstrapServers,
                (KafkaRecordSerializationSchema<DeadLetter>) (deadLetter, context, timestamp) -> new ProducerRecord<>(topic,
                        deadLetter.key() == null ? null : deadLetter.key().getBytes(StandardCharsets.UTF_8),
                        RecordJson.write(deadLetter)));
    }
}
