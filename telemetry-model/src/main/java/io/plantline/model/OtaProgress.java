package io.plantline.model;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/** A device's report on one firmware deployment: its step, a percentage where it has one, and a message. */
public record OtaProgress(DeviceRef device, Instant ts, Instant receivedAt, String deploymentId, OtaStatus status,
                          OptionalInt progress, Optional<String> message, MessageId id) implements DeviceMessage {

    public OtaProgress {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(ts, "ts");
        Objects.requireNonNull(receivedAt, "receivedAt");
        id = Objects.requireNonNullElse(id, MessageId.NONE);
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(message, "message");
        if (deploymentId == null || !Limits.IDENTIFIER.matcher(deploymentId).matches()) {
            throw new IllegalArgumentException("invalid deployment id: " + deploymentId);
        }
        if (progress.isPresent() && (progress.getAsInt() < 0 || progress.getAsInt() > 100)) {
            throw new IllegalArgumentException("progress is not a percentage: " + progress.getAsInt());
        }
        if (message.isPresent() && message.get().length() > Limits.MAX_MESSAGE_CHARS) {
            throw new IllegalArgumentException("message longer than " + Limits.MAX_MESSAGE_CHARS + " characters");
        }
    }

    /** A message the platform builds itself, identified by its content. */
    public OtaProgress(DeviceRef device, Instant ts, Instant receivedAt, String deploymentId, OtaStatus status,
                       OptionalInt progress, Optional<String> message) {
        this(device, ts, receivedAt, deploymentId, status, progress, message, MessageId.NONE);
    }

    @Override
    public MessageKind kind() {
        return MessageKind.OTA;
    }
}
