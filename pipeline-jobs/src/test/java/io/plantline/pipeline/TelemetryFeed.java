package io.plantline.pipeline;

import io.plantline.model.DeviceRef;
import io.plantline.model.TelemetryReading;
import io.plantline.model.json.DeviceMessageCodec;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test readings as the bridge would put them on {@code factory.telemetry}: {@code feed.reading("press-1", 30_000, "temperature", 85)}. */
public final class TelemetryFeed {

    public static final long T0 = Instant.parse("2026-11-23T08:00:00Z").toEpochMilli();
    private static final DeviceMessageCodec CODEC = DeviceMessageCodec.withDefaults();

    private final List<Map.Entry<String, byte[]>> records = new ArrayList<>();

    /** One reading of device {@code deviceId} of organisation {@code acme}, {@code offsetMillis} after {@link #T0}. */
    public TelemetryFeed reading(String deviceId, long offsetMillis, Map<String, Double> metrics) {
        DeviceRef device = new DeviceRef("acme", deviceId);
        Instant ts = Instant.ofEpochMilli(T0 + offsetMillis);
        records.add(new AbstractMap.SimpleImmutableEntry<>(device.key(),
                CODEC.encode(new TelemetryReading(device, ts, ts, metrics))));
        return this;
    }

    public TelemetryFeed reading(String deviceId, long offsetMillis, String metric, double value) {
        return reading(deviceId, offsetMillis, Map.of(metric, value));
    }

    public TelemetryFeed raw(String key, byte[] value) {
        records.add(new AbstractMap.SimpleImmutableEntry<>(key, value));
        return this;
    }

    public List<Map.Entry<String, byte[]>> records() {
        return List.copyOf(records);
    }
}
