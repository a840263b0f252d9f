package io.plantline.api.notifications;

import io.plantline.api.http.Json;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One message as a channel sends it: the event, how many held-back messages about the same alert or roll-out it
 * stands for, and a link to what it is about. The texts are built here so that every channel says the same.
 *
 * @param deliveryId the idempotency key the receiver sees
 * @param link       the alert or roll-out in the API, empty for a test message
 */
record Outgoing(UUID deliveryId, NotificationEvent event, int mergedCount, Instant mergedSince, Optional<String> link) {

    private static final int MAX_SUBJECT = 200;

    String subject() {
        String subject = "[Plantline] " + event.summary();
        return subject.length() > MAX_SUBJECT ? subject.substring(0, MAX_SUBJECT - 3) + "..." : subject;
    }

    /** The short form, for SMS. */
    String shortText() {
        return event.summary() + (mergedCount > 0 ? " (+" + mergedCount + " earlier held back)" : "");
    }

    /** The mail body. */
    String text() {
        StringBuilder text = new StringBuilder(event.summary()).append("\n\n");
        line(text, "Organisation", event.orgSlug());
        line(text, "Event", event.type());
        line(text, "Severity", event.severity());
        line(text, "Device", event.deviceId());
        line(text, "Rule", event.ruleId());
        line(text, "Metric", event.details().get("metric"));
        line(text, "Value", event.details().get("value"));
        line(text, "Peak value", event.details().get("peakValue"));
        line(text, "Roll-out", event.details().get("deploymentId"));
        line(text, "Report", event.details().get("reportId"));
        if (event.details().get("from") != null) {
            line(text, "Range", event.details().get("from") + " to " + event.details().get("to") + " (UTC)");
        }
        line(text, "At", event.occurredAt() + " (UTC)");
        if (mergedCount > 0) {
            text.append('\n').append(mergedCount).append(" earlier message(s) about this since ").append(mergedSince)
                    .append(" were held back (quiet hours or minimum interval); this one stands for them.\n");
        }
        String linkLabel = event.type().equals(NotificationEvent.REPORT_READY)
                ? "Download (the link works without a login until it expires)" : "Details";
        link.ifPresent(url -> text.append('\n').append(linkLabel).append(": ").append(url).append('\n'));
        return text.toString();
    }

    /** The webhook body. */
    String json() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", deliveryId);
        body.put("eventId", event.eventId());
        body.put("type", event.type());
        body.put("organisation", event.orgSlug());
        body.put("occurredAt", event.occurredAt());
        body.put("severity", event.severity());
        body.put("summary", event.summary());
        body.put("deviceId", event.deviceId());
        body.put("ruleId", event.ruleId());
        body.put("merged", mergedCount == 0 ? null : Map.of("count", mergedCount, "since", mergedSince));
        body.put("link", link.orElse(null));
        body.put("data", event.details());
        return Json.write(body);
    }

    private static void line(StringBuilder text, String label, Object value) {
        if (value != null) {
            text.append(label).append(": ").append(value).append('\n');
        }
    }
}
