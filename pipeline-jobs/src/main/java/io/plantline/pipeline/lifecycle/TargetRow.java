package io.plantline.pipeline.lifecycle;

/** One {@code ota_targets} row as the job writes it; {@code reason} only for FAILED, {@code progress} may be null. */
public record TargetRow(String orgSlug, String deploymentId, String deviceId, String state, String reason,
                        Integer progress, long stateSince) {
}
