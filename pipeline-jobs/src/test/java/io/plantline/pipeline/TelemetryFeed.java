package io.plantline.pipeline;

import io.plantline.model.DeviceRef;
import io.plantline.model.TelemetryReading;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Test readings as the bridge would put them on {@code factory.telemetry}: {@code feed.reading("press-1", 30_000, "temperature", 85)}. */
public final class TelemetryFeed {

    public static final long T0 = Instant.parse("2026-11-23T08:00:00Z").toEpochMilli();

    private final Deliveries deliveries = new Deliveries();

    /** One reading of device {@code deviceId} of organisation {@code acme}, {@code offsetMillis} after {@link #T0}. */
    public TelemetryFeed reading(String deviceId, long offsetMillis, Map<String, Double> metrics) {
        DeviceRef device = new DeviceRef("acme", deviceId);
        Instant ts = Instant.ofEpochMilli(T0 + offsetMillis);
        deliveries.add(device.key(), ts.toEpochMilli(), receivedAt -> new TelemetryReading(device, ts, receivedAt, metrics));
        return this;
    }

    public TelemetryFeed reading(String deviceId, long offsetMillis, String metric, double value) {
        return reading(deviceId, offsetMillis, Map.of(metric, value));
    }

    public TelemetryFeed raw(String key, byte[] value) {
        deliveries.addRaw(key, value);
        return this;
    }

    public List<Map.Entry<String, byte[]>> records() {
        return deliveries.once();
    }

    /** Every reading delivered twice, in a random order within {@code boundMillis} of event time. */
    public List<Map.Entry<String, byte[]>> recordsDeliveredTwice(long seed, long boundMillis) {
        return deliveries.twiceShuffled(seed, boundMillis);
    }
}
