package io.plantline.pipeline.lifecycle;

import io.plantline.model.DeviceRef;
import io.plantline.model.OtaTargetEvent;
import io.plantline.model.json.RecordJson;
import io.plantline.pipeline.sink.KafkaTopicSinks;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Publishes every step of a target on {@code factory.alerts} for live progress, keyed by device (in order). */
public final class OtaTargetEvents {

    private OtaTargetEvents() {
    }

    static OtaTargetEvent toEvent(TargetRow row) {
        return new OtaTargetEvent(row.deploymentId(), new DeviceRef(row.orgSlug(), row.deviceId()), row.state(),
                Optional.ofNullable(row.reason()), Optional.ofNullable(row.progress()), Instant.ofEpochMilli(row.stateSince()));
    }

    public static KafkaSink<TargetRow> kafkaSink(KafkaTopicSinks sinks, String topic) {
        return sinks.atLeastOnce(topic,
                (KafkaRecordSerializationSchema<TargetRow>) (row, context, timestamp) -> new ProducerRecord<>(topic,
                        (row.orgSlug() + "/" + row.deviceId()).getBytes(StandardCharsets.UTF_8),
                        RecordJson.write(toEvent(row))));
    }
}
