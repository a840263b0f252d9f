package io.plantline.pipeline.ingest;

import io.plantline.model.DeadLetter;

/**
 * One record of {@code factory.telemetry} as the source read it: the reading's points and event time, or,
 * when it could not be used, the dead letter saying why ({@code points} empty, {@code ts} unset).
 */
public record TelemetryRecord(long ts, MetricPoint[] points, DeadLetter rejected) {

    /** Holds back no watermark: a rejected record has no event time of its own. */
    public static final long NO_EVENT_TIME = Long.MIN_VALUE;

    public static TelemetryRecord accepted(long ts, MetricPoint[] points) {
        return new TelemetryRecord(ts, points, null);
    }

    public static TelemetryRecord rejected(DeadLetter deadLetter) {
        return new TelemetryRecord(NO_EVENT_TIME, new MetricPoint[0], deadLetter);
    }

    public boolean isRejected() {
        return rejected != null;
    }
}
