package io.plantline.model;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A command to one device: written by the API on {@code factory.commands} (key {@link DeviceRef#key()}),
 * published by the bridge to {@link Topics#mqttCommandTopic}. {@code payload} depends on {@code type}.
 */
public record DeviceCommand(String commandId, DeviceRef device, String type, Instant issuedAt,
                            Map<String, Object> payload) {

    public DeviceCommand {
        if (commandId == null || !Limits.IDENTIFIER.matcher(commandId).matches()) {
            throw new IllegalArgumentException("invalid command id: " + commandId);
        }
        Objects.requireNonNull(device, "device");
        if (type == null || !Limits.IDENTIFIER.matcher(type).matches()) {
            throw new IllegalArgumentException("invalid command type: " + type);
        }
        Objects.requireNonNull(issuedAt, "issuedAt");
        payload = payload == null ? Map.of() : Map.copyOf(payload);
    }
}
