package io.plantline.pipeline.alerting;

import io.plantline.model.AlertStatus;
import io.plantline.model.Severity;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The job's columns of one {@code alerts} row. The id is derived from device, rule and opening time, so a replay
 * after a restart writes the same row again instead of a second one. Times are epoch millis; null when not yet.
 */
public record AlertRow(String id, String orgSlug, String deviceId, String ruleId, String metric, Severity severity,
                       AlertStatus status, long openedAt, double lastValue, double peakValue, Long escalatedAt,
                       Long clearedAt) {

    static AlertRow open(AlertSignal signal) {
        String name = signal.alertKey() + '@' + signal.at();
        String id = UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
        return new AlertRow(id, signal.orgSlug(), signal.deviceId(), signal.ruleId(), signal.metric(),
                signal.severity(), AlertStatus.ACTIVE, signal.at(), signal.value(), signal.peak(), null, null);
    }

    AlertRow followed(AlertSignal signal) {
        return new AlertRow(id, orgSlug, deviceId, ruleId, metric, severity, status, openedAt, signal.value(),
                signal.higherIsWorse() ? Math.max(peakValue, signal.peak()) : Math.min(peakValue, signal.peak()),
                escalatedAt, clearedAt);
    }

    AlertRow escalated(AlertSignal signal) {
        AlertRow followed = followed(signal);
        return new AlertRow(id, orgSlug, deviceId, ruleId, metric, signal.severity(), status, openedAt,
                followed.lastValue, followed.peakValue, signal.at(), clearedAt);
    }

    AlertRow cleared(AlertSignal signal) {
        return new AlertRow(id, orgSlug, deviceId, ruleId, metric, severity, AlertStatus.CLEARED, openedAt,
                signal.value(), peakValue, escalatedAt, signal.at());
    }
}
