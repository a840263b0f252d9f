package io.plantline.bridge;

import io.plantline.model.MessageKind;
import io.plantline.model.json.RejectReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The bridge's counters. A message is received when MQTT delivers it and completed when Kafka has acknowledged its
 * record (forwarded or rejected) or, at QoS 0, when it is dropped; in flight in between. {@link #snapshot()} reads
 * the completions before the arrivals, so {@code received = forwarded + rejected + qos0Dropped + inFlight} with
 * {@code inFlight >= 0} in every snapshot.
 */
public final class BridgeMetrics {

    private final AtomicLong received = new AtomicLong();
    private final AtomicLongArray forwardedByKind = new AtomicLongArray(MessageKind.values().length);
    private final AtomicLongArray rejectedByReason = new AtomicLongArray(RejectReason.values().length);
    private final AtomicLong kafkaRetries = new AtomicLong();
    private final AtomicLong kafkaErrors = new AtomicLong();
    private final AtomicLong qos0Dropped = new AtomicLong();
    private final AtomicLong sessionsTakenOver = new AtomicLong();
    private final AtomicLong disconnects = new AtomicLong();
    private final AtomicLong commandFailures = new AtomicLong();

    void received() {
        received.incrementAndGet();
    }

    void completed(Routing.Route route) {
        route.kind().ifPresent(kind -> forwardedByKind.incrementAndGet(kind.ordinal()));
        route.rejection().ifPresent(reason -> rejectedByReason.incrementAndGet(reason.ordinal()));
    }

    void kafkaRetry() {
        kafkaRetries.incrementAndGet();
    }

    /** Kafka did not take a record (its send is tried again, or a QoS 0 message dropped). */
    void kafkaError() {
        kafkaErrors.incrementAndGet();
    }

    /** A QoS 0 message the bridge could not hold (memory budget) or Kafka did not take. */
    void qos0Dropped() {
        qos0Dropped.incrementAndGet();
    }

    /** The connection to the broker was lost (the broker redelivers what was unacknowledged). */
    void disconnected() {
        disconnects.incrementAndGet();
    }

    /** A poll of commands was not relayed (the broker away, Kafka away); it is tried again. */
    void commandFailed() {
        commandFailures.incrementAndGet();
    }

    /** Another client connected with this bridge's client id. */
    void sessionTakenOver() {
        sessionsTakenOver.incrementAndGet();
    }

    public Snapshot snapshot() {
        Map<MessageKind, Long> forwarded = new EnumMap<>(MessageKind.class);
        for (MessageKind kind : MessageKind.values()) {
            forwarded.put(kind, forwardedByKind.get(kind.ordinal()));
        }
        Map<RejectReason, Long> rejected = new EnumMap<>(RejectReason.class);
        for (RejectReason reason : RejectReason.values()) {
            rejected.put(reason, rejectedByReason.get(reason.ordinal()));
        }
        long dropped = qos0Dropped.get();
        return new Snapshot(received.get(), forwarded, rejected, kafkaRetries.get(), kafkaErrors.get(), dropped,
                sessionsTakenOver.get(), disconnects.get(), commandFailures.get());
    }

    public record Snapshot(long received, Map<MessageKind, Long> forwardedByKind, Map<RejectReason, Long> rejectedByReason,
                           long kafkaRetries, long kafkaErrors, long qos0Dropped, long sessionsTakenOver,
                           long disconnects, long commandFailures) {

        public long forwarded() {
            return forwardedByKind.values().stream().mapToLong(Long::longValue).sum();
        }

        public long rejected() {
            return rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
        }

        public long inFlight() {
            return received - forwarded() - rejected() - qos0Dropped;
        }
    }
}
