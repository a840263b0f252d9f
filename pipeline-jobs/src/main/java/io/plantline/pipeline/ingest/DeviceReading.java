package io.plantline.pipeline.ingest;

/**
 * One reading of one device as the job carries it: the metrics sorted by name, their values alongside.
 * Operators keyed by device handle the whole reading at once, which costs one state access and one timer per
 * reading instead of one per metric. {@code ts} is epoch millis; {@code messageKey} identifies the message for
 * {@link DuplicateDeliveries}.
 */
public record DeviceReading(String orgSlug, String deviceId, long ts, String[] metrics, double[] values,
                            long messageKey) implements IdentifiedMessage {

    @Override
    public long eventTime() {
        return ts;
    }

    /** {@code org/device}: neither may contain a slash, so the key is unambiguous. */
    public String deviceKey() {
        return orgSlug + '/' + deviceId;
    }

    public int size() {
        return metrics.length;
    }

    public MetricPoint point(int index) {
        return new MetricPoint(orgSlug, deviceId, metrics[index], ts, values[index]);
    }
}
