package io.plantline.api.notifications;

import io.plantline.model.Severity;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Which events reach a channel: their types, at least {@code minSeverity}, only a group's devices or one rule's
 * alerts if set. Within the quiet hours (local times in the organisation's zone, {@code quietFrom} to
 * {@code quietTo}, over midnight if {@code quietFrom} is the later) messages wait for the quiet hours' end; after a
 * message about one alert or roll-out, the next about the same one waits at least {@code minIntervalSeconds}. Messages
 * that wait are merged: the one sent says how many earlier ones it stands for and since when.
 */
public record Subscription(UUID subscriptionId, UUID channelId, List<String> eventTypes, Severity minSeverity,
                           String groupId, String ruleId, LocalTime quietFrom, LocalTime quietTo,
                           int minIntervalSeconds, Instant createdAt) {

    /** Whether the event passes the type, severity and rule filters; the group is checked against the registry. */
    boolean accepts(NotificationEvent event) {
        return eventTypes.contains(event.type())
                && (minSeverity == null || event.severity().compareTo(minSeverity) >= 0)
                && (ruleId == null || ruleId.equals(event.ruleId()));
    }

    /** The end of the quiet hours {@code at} falls in, if it does. */
    Optional<Instant> quietUntil(Instant at, ZoneId zone) {
        if (quietFrom == null || quietFrom.equals(quietTo)) {
            return Optional.empty();
        }
        ZonedDateTime local = at.atZone(zone);
        LocalTime time = local.toLocalTime();
        LocalDate day = local.toLocalDate();
        boolean overMidnight = quietFrom.isAfter(quietTo);
        boolean quiet = overMidnight
                ? !time.isBefore(quietFrom) || time.isBefore(quietTo)
                : !time.isBefore(quietFrom) && time.isBefore(quietTo);
        if (!quiet) {
            return Optional.empty();
        }
        LocalDate endDay = overMidnight && !time.isBefore(quietFrom) ? day.plusDays(1) : day;
        return Optional.of(ZonedDateTime.of(endDay, quietTo, zone).toInstant());
    }
}
