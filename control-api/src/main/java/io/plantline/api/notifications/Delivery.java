package io.plantline.api.notifications;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/**
 * One message's delivery log: {@code pending} (due at {@code nextAttemptAt}, or being sent), {@code delivered},
 * {@code failed} after the last attempt, or {@code merged} into a later message about the same alert or roll-out
 * (held back by quiet hours or the minimum interval). {@code mergedCount} earlier messages, since
 * {@code mergedSince}, are summed up in this one. {@code deliveryId} is the idempotency key the receiver sees.
 */
public record Delivery(UUID deliveryId, UUID channelId, UUID subscriptionId, String eventId, String eventType,
                       String status, int attempts, int mergedCount, Instant mergedSince, Instant nextAttemptAt,
                       String lastError, Instant createdAt, Instant deliveredAt, JsonNode event) {
}
