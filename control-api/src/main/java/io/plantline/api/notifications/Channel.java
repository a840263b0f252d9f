package io.plantline.api.notifications;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/**
 * Where messages go: {@code email} ({@code settings.to}: addresses), {@code webhook} ({@code settings.url}, each
 * request signed with the channel's secret) or {@code sms} (an HTTP gateway request made from {@code settings}'
 * template). A channel whose last {@link #UNHEALTHY_AFTER} attempts all failed is unhealthy until one succeeds; its
 * messages are still retried, each on its own schedule, so it holds back no other channel. {@code breaker} is the
 * state of its circuit breaker on the server that answers ({@link ChannelBreakers}); empty as stored.
 */
public record Channel(UUID channelId, String name, String type, JsonNode settings, boolean healthy,
                      int consecutiveFailures, String lastError, String breaker, Instant createdAt,
                      @JsonIgnore String signingSecret) {

    public static final int UNHEALTHY_AFTER = 3;

    /** As answered: the secret left out, the breaker's state in. */
    Channel shown(JsonNode shownSettings, String breakerState) {
        return new Channel(channelId, name, type, shownSettings, healthy, consecutiveFailures, lastError, breakerState,
                createdAt, null);
    }
}
