package io.plantline.api.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;

/**
 * A token bucket per key (user id, client address): {@code perMinute} requests a minute, refilled whole each minute
 * (refilled evenly, a tight loop would get a few more in its first minute than the limit says).
 * Buckets of keys not seen for a while are forgotten, so the memory used follows the active callers.
 */
public final class RateLimiter {

    private final Bandwidth limit;
    private final Cache<String, Bucket> buckets = Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(2))
            .maximumSize(100_000)
            .build();

    public RateLimiter(int perMinute) {
        this.limit = Bandwidth.builder().capacity(perMinute).refillIntervally(perMinute, Duration.ofMinutes(1)).build();
    }

    /** Takes one request from the key's bucket, or throws the 429 saying when the next one will be allowed. */
    public void acquire(String key) {
        ConsumptionProbe probe = buckets.get(key, unused -> Bucket.builder().addLimit(limit).build())
                .tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            long seconds = Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
            throw ApiException.rateLimited(seconds);
        }
    }
}
