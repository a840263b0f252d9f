package io.plantline.api.notifications;

import io.plantline.model.AlertEvent;
import io.plantline.model.AlertTransition;
import io.plantline.model.Severity;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Something people may be told about. {@code eventId} is the same for the same happening however often it is read
 * (a delivery is unique per event and subscription); {@code key} is what it is about (an alert's device and rule, a
 * roll-out), so messages held back for one key are merged into one; {@code details} is the event's data in the
 * webhook body.
 */
public record NotificationEvent(String eventId, String orgSlug, String type, String key, Severity severity,
                                String deviceId, String ruleId, Instant occurredAt, String summary,
                                Map<String, Object> details) {

    public static final String ALERT_OPENED = "alert.opened";
    public static final String ALERT_ESCALATED = "alert.escalated";
    public static final String ALERT_CLEARED = "alert.cleared";
    public static final String DEVICE_OFFLINE = "device.offline";
    public static final String DEVICE_ONLINE = "device.online";
    public static final String ROLLOUT_PAUSED = "rollout.paused";
    public static final String ROLLOUT_COMPLETED = "rollout.completed";
    public static final String ROLLOUT_FAILED = "rollout.failed";
    public static final String TEST = "test";
    /** A report is ready: a mail to the person who asked for it, outside every subscription. */
    public static final String REPORT_READY = "report.ready";
    /** In a report-ready event's details: the one address it is mailed to, and the report's signed download link. */
    static final String RECIPIENT = "recipient";
    static final String DOWNLOAD = "download";
    /** The types a subscription may ask for. */
    public static final List<String> TYPES = List.of(ALERT_OPENED, ALERT_ESCALATED, ALERT_CLEARED, DEVICE_OFFLINE,
            DEVICE_ONLINE, ROLLOUT_PAUSED, ROLLOUT_COMPLETED, ROLLOUT_FAILED);
    /** The rule id of the device-lifecycle job's offline alerts. */
    static final String OFFLINE_RULE = "DEVICE_OFFLINE";

    /**
     * The event an alert change is, if people are told of it: opened, escalated and cleared (for the offline rule:
     * offline and back online); acknowledging and resolving are people's own actions.
     */
    public static Optional<NotificationEvent> of(AlertEvent alert) {
        boolean offline = alert.ruleId().equals(OFFLINE_RULE);
        String type = switch (alert.transition()) {
            case OPENED -> offline ? DEVICE_OFFLINE : ALERT_OPENED;
            case ESCALATED -> offline ? null : ALERT_ESCALATED;
            case CLEARED -> offline ? DEVICE_ONLINE : ALERT_CLEARED;
            case ACKNOWLEDGED, RESOLVED -> null;
        };
        if (type == null) {
            return Optional.empty();
        }
        String deviceId = alert.device().deviceId();
        String summary = offline
                ? (type.equals(DEVICE_OFFLINE) ? deviceId + " is offline" : deviceId + " is back online")
                : alert.severity() + " alert " + verb(alert.transition()) + " on " + deviceId + ": " + alert.metric()
                        + alert.value().map(value -> " " + value).orElse("") + " (rule " + alert.ruleId() + ")";
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("alertId", alert.alertId());
        details.put("deviceId", deviceId);
        details.put("ruleId", alert.ruleId());
        details.put("metric", alert.metric());
        details.put("severity", alert.severity());
        details.put("status", alert.status());
        details.put("value", alert.value().orElse(null));
        details.put("peakValue", alert.peakValue().orElse(null));
        details.put("openedAt", alert.openedAt());
        return Optional.of(new NotificationEvent(alert.alertId() + "/" + alert.transition() + "/" + alert.at().toEpochMilli(),
                alert.device().orgSlug(), type, "alert/" + deviceId + "/" + alert.ruleId(), alert.severity(), deviceId,
                alert.ruleId(), alert.at(), summary, details));
    }

    /**
     * A roll-out that paused, or ended: completed, or failed when not one device took the update. Severity: a failure
     * is critical, a pause a warning, a completion information.
     */
    public static NotificationEvent rollout(String orgSlug, String deploymentId, String type, Optional<String> reason,
                                            int succeeded, int failed, int total, Instant at) {
        Severity severity = switch (type) {
            case ROLLOUT_FAILED -> Severity.CRITICAL;
            case ROLLOUT_PAUSED -> Severity.WARNING;
            default -> Severity.INFO;
        };
        String summary = "roll-out " + deploymentId + " " + type.substring("rollout.".length()) + ": " + succeeded
                + " of " + total + " devices updated, " + failed + " failed" + reason.map(why -> " (" + why + ")").orElse("");
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("deploymentId", deploymentId);
        details.put("succeeded", succeeded);
        details.put("failed", failed);
        details.put("total", total);
        details.put("reason", reason.orElse(null));
        return new NotificationEvent("rollout/" + deploymentId + "/" + type + "/" + at.toEpochMilli(), orgSlug, type,
                "rollout/" + deploymentId, severity, null, null, at, summary, details);
    }

    /** The report-ready mail to {@code recipient}, with the report's signed download link. */
    public static NotificationEvent reportReady(String orgSlug, UUID reportId, String reportType, Instant from,
                                                Instant to, String recipient, String download, Instant at) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("reportId", reportId);
        details.put("reportType", reportType);
        details.put("from", from);
        details.put("to", to);
        details.put(RECIPIENT, recipient);
        details.put(DOWNLOAD, download);
        return new NotificationEvent("report/" + reportId + "/ready", orgSlug, REPORT_READY, "report/" + reportId,
                Severity.INFO, null, null, at, "Your " + reportType + " report is ready", details);
    }

    /** A channel's test message. */
    static NotificationEvent test(String orgSlug, String channelName, String eventId, Instant at) {
        return new NotificationEvent(eventId, orgSlug, TEST, "test/" + eventId, Severity.INFO, null, null, at,
                "test message to channel " + channelName, Map.of());
    }

    private static String verb(AlertTransition transition) {
        return transition.name().toLowerCase(java.util.Locale.ROOT);
    }
}
