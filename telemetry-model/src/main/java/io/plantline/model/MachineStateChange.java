package io.plantline.model;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The machine is in {@code state} from {@code ts} on, until its next state change; {@code reason} is the device's
 * code for why it stopped (never kept while it runs, where the contract ignores it).
 */
public record MachineStateChange(DeviceRef device, Instant ts, Instant receivedAt, MachineState state,
                                 Optional<String> reason, MessageId id) implements DeviceMessage {

    public MachineStateChange {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(ts, "ts");
        Objects.requireNonNull(receivedAt, "receivedAt");
        id = Objects.requireNonNullElse(id, MessageId.NONE);
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
        reason.ifPresent(code -> {
            if (!Limits.REASON_CODE.matcher(code).matches()) {
                throw new IllegalArgumentException("invalid reason code: " + code);
            }
        });
        reason = state == MachineState.RUNNING ? Optional.empty() : reason;
    }

    /** A message the platform builds itself, identified by its content. */
    public MachineStateChange(DeviceRef device, Instant ts, Instant receivedAt, MachineState state) {
        this(device, ts, receivedAt, state, Optional.empty(), MessageId.NONE);
    }

    @Override
    public MessageKind kind() {
        return MessageKind.STATE;
    }
}
