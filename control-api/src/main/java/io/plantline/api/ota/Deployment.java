package io.plantline.api.ota;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A firmware roll-out as the API shows it, with how many of its targets are in each state ({@code summary}, every
 * state listed, zeros included) and per stage.
 */
public record Deployment(String deploymentId, UUID firmwareId, String version, String hardwareModel, String status,
                         RolloutPolicy policy, int currentStage, int stages, Optional<String> pauseReason,
                         int failuresAccepted, Map<String, Integer> summary, Instant createdAt, Instant updatedAt) {
}
