package io.plantline.model;

import java.time.Instant;
import java.util.Objects;

/** The machine is in {@code state} from {@code ts} on, until its next state change. */
public record MachineStateChange(DeviceRef device, Instant ts, Instant receivedAt, MachineState state, MessageId id)
        implements DeviceMessage {

    public MachineStateChange {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(ts, "ts");
        Objects.requireNonNull(receivedAt, "receivedAt");
        id = Objects.requireNonNullElse(id, MessageId.NONE);
        Objects.requireNonNull(state, "state");
    }

    /** A message the platform builds itself, identified by its content. */
    public MachineStateChange(DeviceRef device, Instant ts, Instant receivedAt, MachineState state) {
        this(device, ts, receivedAt, state, MessageId.NONE);
    }

    @Override
    public MessageKind kind() {
        return MessageKind.STATE;
    }
}
