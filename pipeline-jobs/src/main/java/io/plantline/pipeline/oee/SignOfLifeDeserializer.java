package io.plantline.pipeline.oee;

import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceMessage;
import io.plantline.pipeline.ingest.DeviceRecordDeserializer;
import io.plantline.pipeline.ingest.IdentifiedMessage;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads any device-message topic (telemetry, device events) as signs of life: only which device was heard from and
 * when. A record that does not parse is left out, not a dead letter: the job that uses its topic reports it.
 */
public final class SignOfLifeDeserializer extends DeviceRecordDeserializer<MachineEventRecord> {

    public SignOfLifeDeserializer(String jobName) {
        super(jobName, MachineEventRecord.class);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<MachineEventRecord> out) {
        MachineEventRecord sign = toRecord(record);
        if (!sign.isRejected()) {
            out.collect(sign);
        }
    }

    @Override
    protected MachineEventRecord accepted(DeviceMessage message) {
        return new MachineEventRecord(message.device().orgSlug(), message.device().deviceId(),
                MachineEvent.signOfLife(message.ts().toEpochMilli()), IdentifiedMessage.NOT_DEDUPLICATED, null);
    }

    @Override
    protected MachineEventRecord rejected(DeadLetter deadLetter) {
        return new MachineEventRecord(null, null, null, IdentifiedMessage.NOT_DEDUPLICATED, deadLetter);
    }

    @Override
    protected String expectedKinds() {
        return "a device message";
    }
}
