package io.plantline.pipeline.aggregation;

import io.plantline.pipeline.ingest.DeviceReading;
import java.util.Arrays;

/**
 * One device's minute so far: a {@link MinuteAccumulator} per metric, the metrics sorted by name. Readings of one
 * device usually carry the same metrics, so adding one is a merge of two sorted lists.
 */
public record DeviceMinute(String[] metrics, MinuteAccumulator[] statistics) {

    public static final DeviceMinute EMPTY = new DeviceMinute(new String[0], new MinuteAccumulator[0]);

    public DeviceMinute add(DeviceReading reading) {
        if (Arrays.equals(metrics, reading.metrics())) {
            MinuteAccumulator[] added = statistics.clone();
            for (int i = 0; i < added.length; i++) {
                added[i] = added[i].add(reading.values()[i]);
            }
            return new DeviceMinute(metrics, added);
        }
        DeviceMinute one = new DeviceMinute(reading.metrics(), Arrays.stream(reading.values())
                .mapToObj(MinuteAccumulator.EMPTY::add).toArray(MinuteAccumulator[]::new));
        return merge(one);
    }

    public DeviceMinute merge(DeviceMinute other) {
        String[] names = new String[metrics.length + other.metrics.length];
        MinuteAccumulator[] merged = new MinuteAccumulator[names.length];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < metrics.length || j < other.metrics.length) {
            int order = i == metrics.length ? 1 : j == other.metrics.length ? -1 : metrics[i].compareTo(other.metrics[j]);
            if (order == 0) {
                names[n] = metrics[i];
                merged[n++] = statistics[i++].merge(other.statistics[j++]);
            } else if (order < 0) {
                names[n] = metrics[i];
                merged[n++] = statistics[i++];
            } else {
                names[n] = other.metrics[j];
                merged[n++] = other.statistics[j++];
            }
        }
        return new DeviceMinute(Arrays.copyOf(names, n), Arrays.copyOf(merged, n));
    }
}
