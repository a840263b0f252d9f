package io.plantline.pipeline.ingest;

/** One metric of one reading, as a rule judges it. {@code ts} is epoch millis. */
public record MetricPoint(String orgSlug, String deviceId, String metric, long ts, double value) {
}
