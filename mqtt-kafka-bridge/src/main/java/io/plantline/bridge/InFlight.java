package io.plantline.bridge;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What the bridge holds in memory: messages received whose record Kafka has not acknowledged yet, by count and by
 * payload bytes, each with the time it arrived. Messages are admitted only while the bytes held stay within the
 * budget; the check and the addition are one atomic step, so messages admitted at once cannot overshoot it. A QoS 1
 * message from a subscription is bounded by the broker anyway (the window the bridge gives it times the largest
 * packet it accepts) and always admitted; one handed over by the embedded broker, and a QoS 0 message, are refused
 * beyond the budget (the first is answered with an error and sent again, the second dropped and counted).
 *
 * <p>Each admission is a {@link Held} released once, whatever happens to the message, so a count cannot leak.
 */
final class InFlight {

    /** One admitted message; released at most once. Identity, not value, tells two apart. */
    static final class Held {
        private final int bytes;
        private final long since;

        private Held(int bytes, long since) {
            this.bytes = bytes;
            this.since = since;
        }
    }

    private final long budgetBytes;
    private final LongSupplier clock;
    private final AtomicLong bytes = new AtomicLong();
    private final Set<Held> held = ConcurrentHashMap.newKeySet();

    InFlight(long budgetBytes, LongSupplier clock) {
        this.budgetBytes = budgetBytes;
        this.clock = clock;
    }

    /** A message the broker's window already bounds: always admitted. */
    Held admit(int payloadBytes) {
        bytes.addAndGet(payloadBytes);
        return hold(payloadBytes);
    }

    /** A message held only if the bytes held stay within the budget with it. */
    Optional<Held> tryAdmit(int payloadBytes) {
        long before = bytes.getAndAccumulate(payloadBytes,
                (current, added) -> current + added > budgetBytes ? current : current + added);
        return before + payloadBytes > budgetBytes ? Optional.empty() : Optional.of(hold(payloadBytes));
    }

    private Held hold(int payloadBytes) {
        Held admitted = new Held(payloadBytes, clock.getAsLong());
        held.add(admitted);
        return admitted;
    }

    /** Kafka acknowledged the message's record, or the bridge let it go; a second release of the same is ignored. */
    void release(Held admitted) {
        if (held.remove(admitted)) {
            bytes.addAndGet(-admitted.bytes);
        }
    }

    long messages() {
        return held.size();
    }

    long bytes() {
        return bytes.get();
    }

    /**
     * How long the oldest message held has waited for Kafka; 0 when none waits. A connection acknowledges in order,
     * so one message stuck holds up its whole connection, however well the others do.
     */
    long oldestWaitMillis() {
        long now = clock.getAsLong();
        return held.stream().mapToLong(admitted -> now - admitted.since).max().orElse(0);
    }
}
