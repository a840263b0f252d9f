package io.plantline.pipeline.oee;

import io.plantline.model.MachineState;

/** A machine's state from {@code since} on (epoch millis), for its {@code devices} row. */
public record MachineStateRow(String orgSlug, String deviceId, MachineState state, long since) {

    /** The state change of {@code record}, which must be one. */
    public static MachineStateRow of(MachineEventRecord record) {
        return new MachineStateRow(record.orgSlug(), record.deviceId(), record.event().state(), record.event().ts());
    }
}
