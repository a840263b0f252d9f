package io.plantline.pipeline.ingest;

import io.plantline.model.DeadLetter;

/**
 * One record of {@code factory.telemetry} as the source read it: the reading and its event time, or, when it
 * could not be used, the dead letter saying why ({@code reading} null, {@code ts} unset).
 */
public record TelemetryRecord(long ts, DeviceReading reading, DeadLetter rejected) {

    /** Holds back no watermark: a rejected record has no event time of its own. */
    public static final long NO_EVENT_TIME = Long.MIN_VALUE;

    public static TelemetryRecord accepted(DeviceReading reading) {
        return new TelemetryRecord(reading.ts(), reading, null);
    }

    public static TelemetryRecord rejected(DeadLetter deadLetter) {
        return new TelemetryRecord(NO_EVENT_TIME, null, deadLetter);
    }

    public boolean isRejected() {
        return rejected != null;
    }
}
