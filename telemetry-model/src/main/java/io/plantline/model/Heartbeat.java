package io.plantline.model;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** The device is alive; {@code firmware} is the version it runs now, when it says so. */
public record Heartbeat(DeviceRef device, Instant ts, Instant receivedAt, Optional<String> firmware, MessageId id)
        implements DeviceMessage {

    public Heartbeat {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(ts, "ts");
        Objects.requireNonNull(receivedAt, "receivedAt");
        id = Objects.requireNonNullElse(id, MessageId.NONE);
        Objects.requireNonNull(firmware, "firmware");
        firmware.ifPresent(version -> {
            if (!Limits.FIRMWARE_VERSION.matcher(version).matches()) {
                throw new IllegalArgumentException("invalid firmware version: " + version);
            }
        });
    }

    /** A message the platform builds itself, identified by its content. */
    public Heartbeat(DeviceRef device, Instant ts, Instant receivedAt, Optional<String> firmware) {
        this(device, ts, receivedAt, firmware, MessageId.NONE);
    }

    @Override
    public MessageKind kind() {
        return MessageKind.HEARTBEAT;
    }
}
