package io.plantline.bridge;

import io.plantline.model.MessageKind;
import io.plantline.model.json.RejectReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The bridge's counters. A message is received when MQTT delivers it and completed (forwarded or
 * rejected) when Kafka has acknowledged its record; in flight in between. {@link #snapshot()} reads the
 * completions before the arrivals, so {@code received = forwarded + rejected + inFlight} with
 * {@code inFlight >= 0} in every snapshot.
 */
public final class BridgeMetrics {

    private final AtomicLong received = new AtomicLong();
    private final AtomicLongArray forwardedByKind = new AtomicLongArray(MessageKind.values().length);
    private final AtomicLongArray rejectedByReason = new AtomicLongArray(RejectReason.values().length);
    private final AtomicLong kafkaRetries = new AtomicLong();

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

    public Snapshot snapshot() {
        Map<MessageKind, Long> forwarded = new EnumMap<>(MessageKind.class);
        for (MessageKind kind : MessageKind.values()) {
            forwarded.put(kind, forwardedByKind.get(kind.ordinal()));
        }
        Map<RejectReason, Long> rejected = new EnumMap<>(RejectReason.class);
        for (RejectReason reason : RejectReason.values()) {
            rejected.put(reason, rejectedByReason.get(reason.ordinal()));
        }
        return new Snapshot(received.get(), forwarded, rejected, kafkaRetries.get());
    }

    public record Snapshot(long received, Map<MessageKind, Long> forwardedByKind, Map<RejectReason, Long> rejectedByReason,
                           long kafkaRetries) {

        public long forwarded() {
            return forwardedByKind.values().stream().mapToLong(Long::longValue).sum();
        }

        public long rejected() {
            return rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
        }

        public long inFlight() {
            return received - forwarded() - rejected();
        }
    }
}
