package io.plantline.pipeline.alerting;

import io.plantline.model.AlertEvent;
import io.plantline.model.DeviceRef;
import io.plantline.model.json.RecordJson;
import io.plantline.pipeline.sink.KafkaTopicSinks;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes alert lifecycle changes for live push, keyed by device so one device's changes stay in order.
 * A change repeated after a restart has the same alert id and transition, which is what a consumer dedupes on.
 */
public final class AlertChanges {

    private AlertChanges() {
    }

    public static AlertEvent toEvent(AlertChange change) {
        AlertRow row = change.alert();
        return new AlertEvent(row.id(), new DeviceRef(row.orgSlug(), row.deviceId()), row.ruleId(), row.metric(),
                row.severity(), row.status(), change.transition(), Instant.ofEpochMilli(change.at()),
                Instant.ofEpochMilli(row.openedAt()), Optional.of(row.lastValue()), Optional.of(row.peakValue()),
                Optional.empty());
    }

    public static KafkaSink<AlertChange> kafkaSink(KafkaTopicSinks sinks, String topic) {
        return sinks.atLeastOnce(topic,
                (KafkaRecordSerializationSchema<AlertChange>) (change, context, timestamp) -> new ProducerRecord<>(topic,
                        (change.alert().orgSlug() + "/" + change.alert().deviceId()).getBytes(StandardCharsets.UTF_8),
                        RecordJson.write(toEvent(change))));
    }
}
