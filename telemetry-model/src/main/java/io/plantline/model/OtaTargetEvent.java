package io.plantline.model;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One step of a device's firmware update, as the device-lifecycle job publishes it on {@code factory.alerts} for
 * live progress (beside the alert events; a consumer tells them apart by {@code deploymentId}). {@code state} is
 * the {@code ota_targets} state, {@code reason} set for FAILED, {@code at} the event time of the step.
 */
public record OtaTargetEvent(String deploymentId, DeviceRef device, String state, Optional<String> reason,
                             Optional<Integer> progress, Instant at) {

    public OtaTargetEvent {
        Objects.requireNonNull(deploymentId, "deploymentId");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(at, "at");
    }
}
