package io.plantline.pipeline.ingest;

import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceMessage;
import io.plantline.model.TelemetryReading;
import java.util.Map;

/** Turns a {@code factory.telemetry} record into a device reading, or a rejected record. */
public final class TelemetryDeserializer extends DeviceRecordDeserializer<TelemetryRecord> {

    public TelemetryDeserializer(String jobName) {
        super(jobName, TelemetryRecord.class);
    }

    @Override
    protected TelemetryRecord accepted(DeviceMessage message) {
        if (!(message instanceof TelemetryReading reading)) {
            return null;
        }
        String[] metrics = new String[reading.metrics().size()];
        double[] values = new double[metrics.length];
        int i = 0;
        for (Map.Entry<String, Double> metric : reading.metrics().entrySet()) {
            metrics[i] = metric.getKey();
            values[i++] = metric.getValue();
        }
        return TelemetryRecord.accepted(new DeviceReading(reading.device().orgSlug(), reading.device().deviceId(),
                reading.ts().toEpochMilli(), metrics, values, reading.id().key(reading.kind())));
    }

    @Override
    protected TelemetryRecord rejected(DeadLetter deadLetter) {
        return TelemetryRecord.rejected(deadLetter);
    }

    @Override
    protected String expectedKinds() {
        return "a telemetry reading";
    }
}
