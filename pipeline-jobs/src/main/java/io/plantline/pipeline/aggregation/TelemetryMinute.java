package io.plantline.pipeline.aggregation;

/** One row of {@code telemetry_1m}: one device, one metric, one minute starting at {@code bucketStart} (epoch millis). */
public record TelemetryMinute(String orgSlug, String deviceId, String metric, long bucketStart, long count,
                              double min, double max, double avg, double stddev) {
}
