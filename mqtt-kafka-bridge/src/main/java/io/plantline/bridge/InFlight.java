package io.plantline.bridge;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What the bridge holds in memory: messages received from MQTT whose record Kafka has not acknowledged yet, by
 * count and by payload bytes, and when a record last completed. QoS 1 messages are bounded by the broker (the
 * window the bridge gives it times the largest packet it accepts); QoS 0 messages have no such bound, so one is
 * admitted only while the bytes held stay under the budget, and dropped otherwise (at most once is what QoS 0
 * promises; the drop is counted).
 */
final class InFlight {

    private final long budgetBytes;
    private final LongSupplier clock;
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong lastCompletedAt;

    InFlight(long budgetBytes, LongSupplier clock) {
        this.budgetBytes = budgetBytes;
        this.clock = clock;
        this.lastCompletedAt = new AtomicLong(clock.getAsLong());
    }

    /** A QoS 1 message: the broker's window bounds these. */
    void admit(int payloadBytes) {
        if (messages.getAndIncrement() == 0) {
            lastCompletedAt.set(clock.getAsLong());    // nothing was waiting: the wait starts now
        }
        bytes.addAndGet(payloadBytes);
    }

    /** A QoS 0 message: held only while the bytes held stay within the budget. */
    boolean tryAdmit(int payloadBytes) {
        if (bytes.get() + payloadBytes > budgetBytes) {
            return false;
        }
        admit(payloadBytes);
        return true;
    }

    /** Kafka acknowledged the message's record, or the bridge let it go for the broker to send again. */
    void release(int payloadBytes, boolean completed) {
        bytes.addAndGet(-payloadBytes);
        messages.decrementAndGet();
        if (completed) {
            lastCompletedAt.set(clock.getAsLong());
        }
    }

    long messages() {
        return messages.get();
    }

    long bytes() {
        return bytes.get();
    }

    /** How long messages have been waiting without any record completing; 0 when none waits. */
    long stalledForMillis() {
        return messages.get() == 0 ? 0 : Math.max(0, clock.getAsLong() - lastCompletedAt.get());
    }
}
