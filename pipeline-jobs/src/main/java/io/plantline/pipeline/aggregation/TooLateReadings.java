package io.plantline.pipeline.aggregation;

import io.plantline.model.DeadLetter;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import io.plantline.pipeline.ingest.MetricPoint;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.api.common.functions.MapFunction;

/** A reading whose minute was already final: a dead letter naming the minute, so it is counted, not lost. */
public final class TooLateReadings implements MapFunction<MetricPoint, DeadLetter> {

    private final String jobName;
    private final Duration allowedLateness;

    public TooLateReadings(String jobName, Duration allowedLateness) {
        this.jobName = jobName;
        this.allowedLateness = allowedLateness;
    }

    @Override
    public DeadLetter map(MetricPoint point) {
        String raw = String.format(java.util.Locale.ROOT,
                "{\"org\":\"%s\",\"device\":\"%s\",\"metric\":\"%s\",\"ts\":\"%s\",\"value\":%s}",
                point.orgSlug(), point.deviceId(), point.metric(), Instant.ofEpochMilli(point.ts()), point.value());
        return DeadLetter.of(Instant.now(), jobName,
                new Rejection(RejectReason.TOO_LATE, "reading for " + point.metric() + " at "
                        + Instant.ofEpochMilli(point.ts()) + " arrived after its minute was final (allowed lateness "
                        + allowedLateness.toMillis() + " ms)"),
                "telemetry_1m", point.orgSlug() + "/" + point.deviceId(), raw.getBytes(StandardCharsets.UTF_8));
    }
}
