package io.plantline.model;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of one device that running jobs apply: the ideal cycle time for OEE (in force from
 * {@code effectiveFrom}, event time, never retroactively) and free-form metadata.
 */
public record DeviceSettings(String orgSlug, String deviceId, Optional<Double> idealCycleSeconds,
                             Instant effectiveFrom, Map<String, String> metadata) implements RulesTopicValue {

    public DeviceSettings {
        DeviceRef.tryOf(orgSlug, deviceId).orElseThrow(
                () -> new IllegalArgumentException("orgSlug/deviceId break the identity contract"));
        idealCycleSeconds = Objects.requireNonNullElse(idealCycleSeconds, Optional.empty());
        idealCycleSeconds.filter(seconds -> !(seconds > 0) || !Double.isFinite(seconds)).ifPresent(seconds -> {
            throw new IllegalArgumentException("idealCycleSeconds must be a positive number");
        });
        Objects.requireNonNull(effectiveFrom, "effectiveFrom");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    @Override
    public String key() {
        return orgSlug + "/device/" + deviceId;
    }
}
