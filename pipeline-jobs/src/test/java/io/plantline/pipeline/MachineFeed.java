package io.plantline.pipeline;

import io.plantline.model.DeviceRef;
import io.plantline.model.MachineState;
import io.plantline.model.MachineStateChange;
import io.plantline.model.PartCount;
import io.plantline.model.json.DeviceMessageCodec;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test machine events as the bridge would put them on {@code factory.machine-events}, {@code offsetMillis} after {@link TelemetryFeed#T0}. */
public final class MachineFeed {

    private static final DeviceMessageCodec CODEC = DeviceMessageCodec.withDefaults();

    private final List<Map.Entry<String, byte[]>> records = new ArrayList<>();

    public MachineFeed state(String deviceId, long offsetMillis, MachineState state) {
        DeviceRef device = new DeviceRef("acme", deviceId);
        Instant ts = Instant.ofEpochMilli(TelemetryFeed.T0 + offsetMillis);
        return add(device, CODEC.encode(new MachineStateChange(device, ts, ts, state)));
    }

    public MachineFeed count(String deviceId, long offsetMillis, long total, long good) {
        DeviceRef device = new DeviceRef("acme", deviceId);
        Instant ts = Instant.ofEpochMilli(TelemetryFeed.T0 + offsetMillis);
        return add(device, CODEC.encode(new PartCount(device, ts, ts, total, good)));
    }

    public MachineFeed raw(String key, byte[] value) {
        records.add(new AbstractMap.SimpleImmutableEntry<>(key, value));
        return this;
    }

    private MachineFeed add(DeviceRef device, byte[] value) {
        records.add(new AbstractMap.SimpleImmutableEntry<>(device.key(), value));
        return this;
    }

    public List<Map.Entry<String, byte[]>> records() {
        return List.copyOf(records);
    }
}
