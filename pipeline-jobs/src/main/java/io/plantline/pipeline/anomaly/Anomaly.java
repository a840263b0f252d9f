package io.plantline.pipeline.anomaly;

/** One row of {@code anomalies}: the reading, how anomalous it is (standard deviations) and which test found it. */
public record Anomaly(String orgSlug, String deviceId, String metric, long ts, double value, double score,
                      String method) {
}
