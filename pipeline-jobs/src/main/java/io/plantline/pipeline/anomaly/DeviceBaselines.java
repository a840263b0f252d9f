package io.plantline.pipeline.anomaly;

import java.util.Arrays;

/** The {@link Baseline} of each metric of one device, the metrics sorted by name; null for one not seen yet. */
public record DeviceBaselines(String[] metrics, Baseline[] baselines) {

    public static final DeviceBaselines NONE = new DeviceBaselines(new String[0], new Baseline[0]);

    /** Baselines laid out for {@code readingMetrics} (sorted), carrying over those already known. */
    public DeviceBaselines alignedTo(String[] readingMetrics) {
        if (Arrays.equals(metrics, readingMetrics)) {
            return this;
        }
        Baseline[] aligned = new Baseline[readingMetrics.length];
        for (int i = 0; i < readingMetrics.length; i++) {
            int known = Arrays.binarySearch(metrics, readingMetrics[i]);
            aligned[i] = known >= 0 ? baselines[known] : null;
        }
        return new DeviceBaselines(readingMetrics, aligned);
    }
}
