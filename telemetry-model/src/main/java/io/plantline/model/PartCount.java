package io.plantline.model;

import java.time.Instant;
import java.util.Objects;

/** Parts produced since the machine's previous count message: increments, {@code 0 <= good <= total}. */
public record PartCount(DeviceRef device, Instant ts, Instant receivedAt, long total, long good, MessageId id)
        implements DeviceMessage {

    public PartCount {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(ts, "ts");
        Objects.requireNonNull(receivedAt, "receivedAt");
        id = Objects.requireNonNullElse(id, MessageId.NONE);
        if (total < 0 || good < 0 || good > total || total > Limits.MAX_PARTS_PER_COUNT) {
            throw new IllegalArgumentException("invalid count: total=" + total + ", good=" + good);
        }
    }

    /** A message the platform builds itself, identified by its content. */
    public PartCount(DeviceRef device, Instant ts, Instant receivedAt, long total, long good) {
        this(device, ts, receivedAt, total, good, MessageId.NONE);
    }

    @Override
    public MessageKind kind() {
        return MessageKind.COUNT;
    }
}
