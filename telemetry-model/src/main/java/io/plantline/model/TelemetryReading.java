package io.plantline.model;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** Sensor readings taken at one instant: metric name to a finite value, sorted by name. */
public record TelemetryReading(DeviceRef device, Instant ts, Instant receivedAt, Map<String, Double> metrics,
                               MessageId id)
        implements DeviceMessage {

    public TelemetryReading {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(ts, "ts");
        Objects.requireNonNull(receivedAt, "receivedAt");
        id = Objects.requireNonNullElse(id, MessageId.NONE);
        metrics = Collections.unmodifiableSortedMap(new TreeMap<>(metrics));
        if (metrics.isEmpty()) {
            throw new IllegalArgumentException("a reading needs at least one metric");
        }
        metrics.forEach((name, value) -> {
            if (!Limits.isMetricName(name)) {
                throw new IllegalArgumentException("invalid metric name: " + name);
            }
            if (value == null || !Double.isFinite(value)) {
                throw new IllegalArgumentException("metric " + name + " is not a finite number: " + value);
            }
        });
    }

    /** A message the platform builds itself, identified by its content. */
    public TelemetryReading(DeviceRef device, Instant ts, Instant receivedAt, Map<String, Double> metrics) {
        this(device, ts, receivedAt, metrics, MessageId.NONE);
    }

    @Override
    public MessageKind kind() {
        return MessageKind.TELEMETRY;
    }
}
