package io.plantline.pipeline.aggregation;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Names a minute's statistics with their series and bucket. Runs at the watermark and again for each reading
 * that arrives late but within the allowed lateness, with the statistics including it: the second row replaces
 * the first in the table, which is how a late reading corrects what was already written.
 */
public final class ToTelemetryMinute
        extends ProcessWindowFunction<MinuteAccumulator, TelemetryMinute, String, TimeWindow> {

    @Override
    public void process(String seriesKey, Context context, Iterable<MinuteAccumulator> statistics,
                        Collector<TelemetryMinute> out) {
        MinuteAccumulator minute = statistics.iterator().next();
        String[] series = seriesKey.split("/", 3);
        out.collect(new TelemetryMinute(series[0], series[1], series[2], context.window().getStart(), minute.count(),
                minute.min(), minute.max(), minute.avg(), minute.stddev()));
    }
}
