package io.plantline.pipeline.aggregation;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Turns a device's minute into one row per metric. Runs at the watermark and again for each reading that arrives
 * late but within the allowed lateness, with the statistics including it: the new rows replace the old ones in the
 * table, which is how a late reading corrects what was already written.
 */
public final class ToTelemetryMinute extends ProcessWindowFunction<DeviceMinute, TelemetryMinute, String, TimeWindow> {

    @Override
    public void process(String deviceKey, Context context, Iterable<DeviceMinute> minutes, Collector<TelemetryMinute> out) {
        DeviceMinute minute = minutes.iterator().next();
        int slash = deviceKey.indexOf('/');
        String orgSlug = deviceKey.substring(0, slash);
        String deviceId = deviceKey.substring(slash + 1);
        for (int i = 0; i < minute.metrics().length; i++) {
            MinuteAccumulator statistics = minute.statistics()[i];
            out.collect(new TelemetryMinute(orgSlug, deviceId, minute.metrics()[i], context.window().getStart(),
                    statistics.count(), statistics.min(), statistics.max(), statistics.avg(), statistics.stddev()));
        }
    }
}
