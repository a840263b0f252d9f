package io.plantline.api.devices;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.model.IdealCycleTime;
import java.time.Instant;
import java.util.List;

/**
 * A device as the API shows it. {@code online}, {@code lastSeenAt} and the three firmware versions are written by
 * the device-lifecycle job; the rest by users. {@code idealCycleSeconds} is the value in force now, from the
 * {@code idealCycleSchedule} that the OEE job applies minute by minute. The write key itself is never shown again
 * after it was issued.
 */
public record Device(String deviceId, String name, String hardwareModel, boolean enabled, Double idealCycleSeconds,
                     List<IdealCycleTime> idealCycleSchedule, JsonNode metadata, JsonNode config, boolean online, Instant lastSeenAt, String firmwareCurrent,
                     String firmwarePrevious, String firmwareTarget, String writeKeyPrefix, Instant createdAt,
                     Instant updatedAt) {
}
