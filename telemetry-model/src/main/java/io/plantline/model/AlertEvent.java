package io.plantline.model;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One change in an alert's life, as published on {@code factory.alerts} for live push.
 * {@code alertId} is derived from device, rule and opening time, so a replayed job produces the same id.
 * {@code value} is the reading that caused the change, {@code by} the user for acknowledge and resolve.
 */
public record AlertEvent(String alertId, DeviceRef device, String ruleId, String metric, Severity severity,
                         AlertStatus status, AlertTransition transition, Instant at, Instant openedAt,
                         Optional<Double> value, Optional<Double> peakValue, Optional<String> by) {

    public AlertEvent {
        Objects.requireNonNull(alertId, "alertId");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(ruleId, "ruleId");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(transition, "transition");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(openedAt, "openedAt");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(peakValue, "peakValue");
        Objects.requireNonNull(by, "by");
    }
}
