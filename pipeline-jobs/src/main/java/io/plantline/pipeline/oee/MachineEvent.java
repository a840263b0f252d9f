package io.plantline.pipeline.oee;

import io.plantline.model.MachineState;

/**
 * A machine event in the OEE job's terms, {@code ts} in epoch millis: a state change (the machine is in
 * {@code state} from {@code ts} on), or a part count ({@code total} parts, {@code good} of them good, counted at
 * {@code ts}).
 */
public record MachineEvent(long ts, MachineState state, long total, long good) {

    public static MachineEvent state(long ts, MachineState state) {
        return new MachineEvent(ts, state, 0, 0);
    }

    public static MachineEvent count(long ts, long total, long good) {
        return new MachineEvent(ts, null, total, good);
    }

    public boolean isStateChange() {
        return state != null;
    }
}
