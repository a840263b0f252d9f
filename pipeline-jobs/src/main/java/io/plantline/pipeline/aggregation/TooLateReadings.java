package io.plantline.pipeline.aggregation;

import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceRef;
import io.plantline.model.TelemetryReading;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import io.plantline.pipeline.ingest.DeviceReading;
import java.util.Map;
import java.util.TreeMap;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.api.common.functions.MapFunction;

/** A reading whose minute was already final: a dead letter naming the minute, so it is counted, not lost. */
public final class TooLateReadings implements MapFunction<DeviceReading, DeadLetter> {

    private final String jobName;
    private final Duration allowedLateness;
    private transient DeviceMessageCodec codec;

    public TooLateReadings(String jobName, Duration allowedLateness) {
        this.jobName = jobName;
        this.allowedLateness = allowedLateness;
    }

    @Override
    public DeadLetter map(DeviceReading reading) {
        Map<String, Double> metrics = new TreeMap<>();
        for (int i = 0; i < reading.size(); i++) {
            metrics.put(reading.metrics()[i], reading.values()[i]);
        }
        Instant ts = Instant.ofEpochMilli(reading.ts());
        // The job no longer holds the record's bytes; this is the same record in the topic's format.
        if (codec == null) {
            codec = DeviceMessageCodec.withDefaults();
        }
        byte[] raw = codec.encode(
                new TelemetryReading(new DeviceRef(reading.orgSlug(), reading.deviceId()), ts, ts, metrics));
        return DeadLetter.of(Instant.now(), jobName,
                new Rejection(RejectReason.TOO_LATE, "reading at " + ts + " arrived after its minute was final"
                        + " (allowed lateness " + allowedLateness.toMillis() + " ms)"),
                "telemetry_1m", reading.deviceKey(), raw);
    }
}
