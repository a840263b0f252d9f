package io.plantline.pipeline;

import io.plantline.model.DeviceRef;
import io.plantline.model.MachineState;
import io.plantline.model.MachineStateChange;
import io.plantline.model.MessageId;
import io.plantline.model.PartCount;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Test machine events as the bridge would put them on {@code factory.machine-events}, {@code offsetMillis} after {@link TelemetryFeed#T0}. */
public final class MachineFeed {

    private final Deliveries deliveries = new Deliveries();

    public MachineFeed state(String deviceId, long offsetMillis, MachineState state) {
        return state(deviceId, offsetMillis, state, null);
    }

    /** A state with the device's reason for it ({@code reason} null: none). */
    public MachineFeed state(String deviceId, long offsetMillis, MachineState state, String reason) {
        DeviceRef device = new DeviceRef("acme", deviceId);
        Instant ts = Instant.ofEpochMilli(TelemetryFeed.T0 + offsetMillis);
        deliveries.add(device.key(), ts.toEpochMilli(), receivedAt -> new MachineStateChange(device, ts, receivedAt,
                state, Optional.ofNullable(reason), MessageId.NONE));
        return this;
    }

    public MachineFeed count(String deviceId, long offsetMillis, long total, long good) {
        DeviceRef device = new DeviceRef("acme", deviceId);
        Instant ts = Instant.ofEpochMilli(TelemetryFeed.T0 + offsetMillis);
        deliveries.add(device.key(), ts.toEpochMilli(), receivedAt -> new PartCount(device, ts, receivedAt, total, good));
        return this;
    }

    public MachineFeed raw(String key, byte[] value) {
        deliveries.addRaw(key, value);
        return this;
    }

    public List<Map.Entry<String, byte[]>> records() {
        return deliveries.once();
    }

    /** Every event delivered twice, in a random order within {@code boundMillis} of event time. */
    public List<Map.Entry<String, byte[]>> recordsDeliveredTwice(long seed, long boundMillis) {
        return deliveries.twiceShuffled(seed, boundMillis);
    }
}
