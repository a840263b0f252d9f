package io.plantline.pipeline.lifecycle;

import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceCommand;
import io.plantline.model.json.RecordJson;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads {@code factory.commands} for the lifecycle job: an {@code ota.update} command opens the device's target of
 * that deployment (SENT at the command's issue time), an {@code ota.cancel} ends it. Other commands are not the
 * job's business and are skipped; a record that does not read as a command is a dead letter.
 */
public final class CommandInputs implements KafkaRecordDeserializationSchema<LifecycleInput> {

    static final String UPDATE = "ota.update";
    static final String CANCEL = "ota.cancel";

    private final String jobName;

    public CommandInputs(String jobName) {
        this.jobName = jobName;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<LifecycleInput> out) {
        try {
            DeviceCommand command = RecordJson.readDeviceCommand(record.value());
            String org = command.device().orgSlug();
            String device = command.device().deviceId();
            Object deploymentId = command.payload().get("deploymentId");
            long ts = command.issuedAt().toEpochMilli();
            if (UPDATE.equals(command.type()) && deploymentId != null && command.payload().get("version") != null) {
                out.collect(LifecycleInput.sent(org, device, ts, deploymentId.toString(),
                        command.payload().get("version").toString()));
            } else if (CANCEL.equals(command.type()) && deploymentId != null) {
                out.collect(LifecycleInput.cancelled(org, device, ts, deploymentId.toString()));
            } else if (command.type().startsWith("ota.")) {
                out.collect(rejected(record, "an " + command.type() + " command without deploymentId or version"));
            }
        } catch (RecordJson.InvalidRecordException | NullPointerException e) {
            out.collect(rejected(record, e.getMessage()));
        }
    }

    private LifecycleInput rejected(ConsumerRecord<byte[], byte[]> record, String detail) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        return LifecycleInput.rejected(DeadLetter.of(Instant.now(), jobName,
                new Rejection(RejectReason.INVALID_VALUE, String.valueOf(detail)),
                record.topic() + "-" + record.partition() + "@" + record.offset(), key, record.value()));
    }

    @Override
    public TypeInformation<LifecycleInput> getProducedType() {
        return TypeInformation.of(LifecycleInput.class);
    }
}
