package io.plantline.api.alerts;

import io.plantline.model.AlertStatus;
import io.plantline.model.Severity;
import java.time.Instant;
import java.util.UUID;

/** An alert row: the job's columns (opened, values, cleared) and the people's (acknowledged, resolved, comment). */
public record Alert(UUID id, String deviceId, String ruleId, String metric, Severity severity, AlertStatus status,
                    Instant openedAt, Double lastValue, Double peakValue, Instant escalatedAt, Instant clearedAt,
                    Instant acknowledgedAt, String acknowledgedBy, Instant resolvedAt, String resolvedBy, String comment,
                    Instant updatedAt) {
}
