package io.plantline.api.devices;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A device as the API shows it. {@code online}, {@code lastSeenAt} and the three firmware versions are written by
 * the device-lifecycle job; the rest by users. The write key itself is never shown again after it was issued.
 */
public record Device(String deviceId, String name, String hardwareModel, boolean enabled, Double idealCycleSeconds,
                     JsonNode metadata, JsonNode config, boolean online, Instant lastSeenAt, String firmwareCurrent,
                     String firmwarePrevious, String firmwareTarget, String writeKeyPrefix, Instant createdAt,
                     Instant updatedAt) {
}
