package io.plantline.api.notifications;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/**
 * One message's delivery log: {@code pending} (due at {@code nextAttemptAt}, or being sent), {@code delivered},
 * {@code failed} after the last attempt, or {@code cancelled} with its subscription. While it is held back (quiet
 * hours, minimum interval), a newer event about the same alert or roll-out takes its place in this row: {@code event}
 * is the newest, and {@code mergedCount} counts the earlier ones since {@code mergedSince} that it stands for.
 * {@code deliveryId} is the idempotency key the receiver sees.
 */
public record Delivery(UUID deliveryId, UUID channelId, UUID subscriptionId, String eventId, String eventType,
                       String status, int attempts, int mergedCount, Instant mergedSince, Instant nextAttemptAt,
                       String lastError, Instant createdAt, Instant deliveredAt, JsonNode event) {
}
