package io.plantline.pipeline.oee;

import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceMessage;
import io.plantline.model.MachineStateChange;
import io.plantline.model.PartCount;
import io.plantline.pipeline.ingest.DeviceRecordDeserializer;
import io.plantline.pipeline.ingest.IdentifiedMessage;

/**
 * Turns a {@code factory.machine-events} record into a state change or a part count; the codec refuses unknown
 * states, {@code good > total} and negative counts, which then go to the dead-letter topic.
 */
public final class MachineEventDeserializer extends DeviceRecordDeserializer<MachineEventRecord> {

    public MachineEventDeserializer(String jobName) {
        super(jobName, MachineEventRecord.class);
    }

    @Override
    protected MachineEventRecord accepted(DeviceMessage message) {
        String org = message.device().orgSlug();
        String device = message.device().deviceId();
        if (message instanceof MachineStateChange change) {
            return new MachineEventRecord(org, device, MachineEvent.state(change.ts().toEpochMilli(), change.state(),
                    change.reason().orElse(null)),
                    message.id().key(message.kind()), null);
        }
        if (message instanceof PartCount count) {
            return new MachineEventRecord(org, device,
                    MachineEvent.count(count.ts().toEpochMilli(), count.total(), count.good()),
                    message.id().key(message.kind()), null);
        }
        return null;
    }

    @Override
    protected MachineEventRecord rejected(DeadLetter deadLetter) {
        return new MachineEventRecord(null, null, null, IdentifiedMessage.NOT_DEDUPLICATED, deadLetter);
    }

    @Override
    protected String expectedKinds() {
        return "a state or count event";
    }
}
