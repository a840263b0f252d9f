package io.plantline.api.notifications;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.plantline.api.ApiOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A circuit breaker per channel on this server (Resilience4j): once the channel's last {@code failures} attempts all
 * failed or timed out it is {@code open}, and its messages wait untried for the cool-down; then it is
 * {@code half-open}: one message goes as a trial, which closes the breaker if it is delivered and opens it for another
 * cool-down if not. Each server keeps its own breakers, as it keeps its own senders: they protect this server's senders
 * from a receiver that hangs.
 */
final class ChannelBreakers {

    private final CircuitBreakerRegistry registry;

    ChannelBreakers(ApiOptions.Breaker options, Clock clock) {
        // The last N calls counted, all of them failures: N failures in a row.
        this.registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindow(options.failures(), options.failures(), CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(100)
                .waitDurationInOpenState(options.coolDown())
                .permittedNumberOfCallsInHalfOpenState(1)
                .clock(clock)
                .build());
    }

    /** Whether a message may be sent through the channel now; in half-open, true for the one trial. */
    boolean admits(UUID channelId) {
        return breaker(channelId).tryAcquirePermission();
    }

    void succeeded(UUID channelId, Duration took) {
        breaker(channelId).onSuccess(took.toNanos(), TimeUnit.NANOSECONDS);
    }

    void failed(UUID channelId, Duration took, Sender.DeliveryFailure failure) {
        breaker(channelId).onError(took.toNanos(), TimeUnit.NANOSECONDS, failure);
    }

    /** {@code closed}, {@code open} or {@code half-open}, as the channel's health shows it. */
    String state(UUID channelId) {
        return switch (breaker(channelId).getState()) {
            case CLOSED, DISABLED, METRICS_ONLY -> "closed";
            case HALF_OPEN -> "half-open";
            case OPEN, FORCED_OPEN -> "open";
        };
    }

    void forget(UUID channelId) {
        registry.remove(channelId.toString());
    }

    private CircuitBreaker breaker(UUID channelId) {
        return registry.circuitBreaker(channelId.toString());
    }
}
