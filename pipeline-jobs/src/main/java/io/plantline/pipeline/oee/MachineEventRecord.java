package io.plantline.pipeline.oee;

import io.plantline.model.DeadLetter;

/**
 * One record of {@code factory.machine-events} as the source read it: the machine and its event, or the dead
 * letter saying why it could not be used ({@code event} null).
 */
public record MachineEventRecord(String orgSlug, String deviceId, MachineEvent event, DeadLetter rejected) {

    public String deviceKey() {
        return orgSlug + '/' + deviceId;
    }

    public boolean isRejected() {
        return rejected != null;
    }
}
