package io.plantline.pipeline.ingest;

/** One metric of one reading: the unit every analytics operator works on. {@code ts} is epoch millis. */
public record MetricPoint(String orgSlug, String deviceId, String metric, long ts, double value) {

    /** {@code org/device/metric}: none of the three may contain a slash, so the key is unambiguous. */
    public String seriesKey() {
        return orgSlug + '/' + deviceId + '/' + metric;
    }
}
