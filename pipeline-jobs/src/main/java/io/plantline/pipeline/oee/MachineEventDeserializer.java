package io.plantline.pipeline.oee;

import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceMessage;
import io.plantline.model.MachineStateChange;
import io.plantline.model.PartCount;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.ParseResult;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns a {@code factory.machine-events} record into a state change or a part count, validated by the bridge's
 * codec (unknown states, {@code good > total} and negative counts are refused there); anything else becomes a
 * rejected record for the dead-letter topic.
 */
public final class MachineEventDeserializer implements KafkaRecordDeserializationSchema<MachineEventRecord> {

    private final String jobName;
    private transient DeviceMessageCodec codec;

    public MachineEventDeserializer(String jobName) {
        this.jobName = jobName;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        codec = DeviceMessageCodec.withDefaults();
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<MachineEventRecord> out) {
        out.collect(toMachineEvent(record));
    }

    MachineEventRecord toMachineEvent(ConsumerRecord<byte[], byte[]> record) {
        if (codec == null) {
            codec = DeviceMessageCodec.withDefaults();
        }
        ParseResult result = record.value() == null
                ? new ParseResult.Rejected(new Rejection(RejectReason.MALFORMED_JSON, "empty record"))
                : codec.decode(record.value());
        if (result instanceof ParseResult.Rejected rejected) {
            return rejected(record, rejected.rejection());
        }
        DeviceMessage message = ((ParseResult.Accepted) result).message();
        String org = message.device().orgSlug();
        String device = message.device().deviceId();
        if (message instanceof MachineStateChange change) {
            return new MachineEventRecord(org, device, MachineEvent.state(change.ts().toEpochMilli(), change.state()), null);
        }
        if (message instanceof PartCount count) {
            return new MachineEventRecord(org, device,
                    MachineEvent.count(count.ts().toEpochMilli(), count.total(), count.good()), null);
        }
        return rejected(record, new Rejection(RejectReason.INVALID_VALUE, "not a state or count event"));
    }

    private MachineEventRecord rejected(ConsumerRecord<byte[], byte[]> record, Rejection rejection) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        String origin = record.topic() + "-" + record.partition() + "@" + record.offset();
        return new MachineEventRecord(null, null, null,
                DeadLetter.of(Instant.now(), jobName, rejection, origin, key, record.value()));
    }

    @Override
    public TypeInformation<MachineEventRecord> getProducedType() {
        return TypeInformation.of(MachineEventRecord.class);
    }
}
