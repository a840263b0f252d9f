package io.plantline.pipeline.oee;

import io.plantline.model.DeadLetter;
import io.plantline.pipeline.ingest.IdentifiedMessage;

/**
 * One record of {@code factory.machine-events} as the source read it: the machine, its event and the key of the
 * message's identity, or the dead letter saying why it could not be used ({@code event} null).
 */
public record MachineEventRecord(String orgSlug, String deviceId, MachineEvent event, long messageKey,
                                 DeadLetter rejected) implements IdentifiedMessage {

    @Override
    public long eventTime() {
        return event.ts();
    }

    public String deviceKey() {
        return orgSlug + '/' + deviceId;
    }

    public boolean isRejected() {
        return rejected != null;
    }
}
