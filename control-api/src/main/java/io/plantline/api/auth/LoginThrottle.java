package io.plantline.api.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.plantline.api.http.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Failed logins per account, whatever address they come from: after {@link #FREE_FAILURES} failures in a row the
 * account's next attempt must wait, 2 s doubling with each further failure up to {@link #LONGEST_WAIT}; a success
 * starts over. The real user is never locked out: the wait is short and capped, and an address that logged in to the
 * account successfully in the last {@link #KNOWN_FOR} is not made to wait (an attacker elsewhere cannot hold the
 * account shut; that address still has the per-address limit). Kept in memory: a restart forgets it, as the
 * per-address limit does.
 */
final class LoginThrottle {

    static final int FREE_FAILURES = 5;
    static final Duration LONGEST_WAIT = Duration.ofMinutes(5);
    static final Duration KNOWN_FOR = Duration.ofDays(30);
    private static final Duration FIRST_WAIT = Duration.ofSeconds(2);

    private record Failures(int count, Instant nextAttempt) {
    }

    private final Clock clock;
    private final Cache<String, Failures> failures = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofHours(1)).maximumSize(100_000).build();
    private final Cache<String, Boolean> knownAddresses = Caffeine.newBuilder()
            .expireAfterWrite(KNOWN_FOR).maximumSize(100_000).build();

    LoginThrottle(Clock clock) {
        this.clock = clock;
    }

    /** Throws 429 with the wait when the account must wait and {@code address} is not one it logged in from. */
    void check(String email, String address) {
        String account = account(email);
        Failures seen = failures.getIfPresent(account);
        if (seen == null || knownAddresses.getIfPresent(account + " " + address) != null) {
            return;
        }
        Duration wait = Duration.between(clock.instant(), seen.nextAttempt());
        if (!wait.isNegative() && !wait.isZero()) {
            throw ApiException.rateLimited("too many failed logins for this account; try again later",
                    Math.max(1, (wait.toMillis() + 999) / 1000));
        }
    }

    void failed(String email) {
        failures.asMap().compute(account(email), (account, seen) -> {
            int count = seen == null ? 1 : seen.count() + 1;
            Duration wait = count < FREE_FAILURES ? Duration.ZERO : backoff(count - FREE_FAILURES);
            return new Failures(count, clock.instant().plus(wait));
        });
    }

    void succeeded(String email, String address) {
        String account = account(email);
        failures.invalidate(account);
        knownAddresses.put(account + " " + address, Boolean.TRUE);
    }

    private static Duration backoff(int doublings) {
        Duration wait = FIRST_WAIT.multipliedBy(1L << Math.min(doublings, 20));
        return wait.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait;
    }

    private static String account(String email) {
        return email.strip().toLowerCase(Locale.ROOT);
    }
}
