package io.plantline.model;

import java.time.Instant;
import java.util.Objects;

/** The machine is in {@code state} from {@code ts} on, until its next state change. */
public record MachineStateChange(DeviceRef device, Instant ts, Instant receivedAt, MachineState state)
        implements DeviceMessage {

    public MachineStateChange {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(ts, "ts");
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(state, "state");
    }

    @Override
    public MessageKind kind() {
        return MessageKind.STATE;
    }
}
