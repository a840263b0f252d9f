package io.plantline.pipeline.oee;

import io.plantline.model.MachineState;

/**
 * A machine event in the OEE job's terms, {@code ts} in epoch millis: a state change (the machine is in
 * {@code state} from {@code ts} on, for the device's {@code reason}, null without one), a part count ({@code total}
 * parts, {@code good} of them good, counted at {@code ts}), or a sign of life (any other message of the device,
 * which says only that it was online at {@code ts}).
 */
public record MachineEvent(long ts, MachineState state, String reason, long total, long good, boolean signOfLife) {

    public static MachineEvent state(long ts, MachineState state) {
        return state(ts, state, null);
    }

    public static MachineEvent state(long ts, MachineState state, String reason) {
        return new MachineEvent(ts, state, reason, 0, 0, false);
    }

    public static MachineEvent count(long ts, long total, long good) {
        return new MachineEvent(ts, null, null, total, good, false);
    }

    public static MachineEvent signOfLife(long ts) {
        return new MachineEvent(ts, null, null, 0, 0, true);
    }

    public boolean isStateChange() {
        return state != null;
    }
}
