package io.plantline.pipeline;

import io.plantline.model.DeviceMessage;
import io.plantline.model.json.DeviceMessageCodec;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Test records for a device-message topic, as the bridge would write them: in the order given, or with every message
 * delivered twice (a QoS 1 redelivery: the same message, received again later) in a random order that keeps every
 * copy within an out-of-orderness bound of its event time.
 */
final class Deliveries {

    private static final DeviceMessageCodec CODEC = DeviceMessageCodec.withDefaults();

    /** One message, encoded for a receive time; or raw bytes ({@code message} null). */
    private record Delivery(String key, long ts, Function<Instant, DeviceMessage> message, byte[] raw) {
    }

    private final List<Delivery> deliveries = new ArrayList<>();

    void add(String key, long ts, Function<Instant, DeviceMessage> receivedAt) {
        deliveries.add(new Delivery(key, ts, receivedAt, null));
    }

    void addRaw(String key, byte[] value) {
        deliveries.add(new Delivery(key, Long.MIN_VALUE, null, value));
    }

    /** Each record once, in the order added, received at its own event time. */
    List<Map.Entry<String, byte[]>> once() {
        List<Map.Entry<String, byte[]>> records = new ArrayList<>();
        for (Delivery delivery : deliveries) {
            records.add(new AbstractMap.SimpleImmutableEntry<>(delivery.key(), delivery.raw() != null ? delivery.raw()
                    : CODEC.encode(delivery.message().apply(Instant.ofEpochMilli(delivery.ts())))));
        }
        return records;
    }

    /**
     * Every message twice, each copy received up to {@code boundMillis} after its event time and the whole put in
     * order of receipt: any record follows only records at most the bound later in event time.
     */
    List<Map.Entry<String, byte[]>> twiceShuffled(long seed, long boundMillis) {
        Random random = new Random(seed);
        record Copy(String key, long receivedAt, byte[] value) {
        }
        List<Copy> copies = new ArrayList<>();
        for (Delivery delivery : deliveries) {
            if (delivery.raw() != null) {
                throw new IllegalStateException("raw records are not redelivered");
            }
            for (int copy = 0; copy < 2; copy++) {
                long receivedAt = delivery.ts() + (long) (random.nextDouble() * boundMillis);
                copies.add(new Copy(delivery.key(), receivedAt,
                        CODEC.encode(delivery.message().apply(Instant.ofEpochMilli(receivedAt)))));
            }
        }
        copies.sort(Comparator.comparingLong(Copy::receivedAt));
        return copies.stream().map(copy -> (Map.Entry<String, byte[]>) new AbstractMap.SimpleImmutableEntry<>(
                copy.key(), copy.value())).toList();
    }
}
