package io.plantline.pipeline.aggregation;

import io.plantline.pipeline.ingest.MetricPoint;
import org.apache.flink.api.common.functions.AggregateFunction;

/** Folds a minute's readings of one series into one accumulator, so window state is one record per series. */
public final class MinuteStatistics implements AggregateFunction<MetricPoint, MinuteAccumulator, MinuteAccumulator> {

    @Override
    public MinuteAccumulator createAccumulator() {
        return MinuteAccumulator.EMPTY;
    }

    @Override
    public MinuteAccumulator add(MetricPoint point, MinuteAccumulator accumulator) {
        return accumulator.add(point.value());
    }

    @Override
    public MinuteAccumulator getResult(MinuteAccumulator accumulator) {
        return accumulator;
    }

    @Override
    public MinuteAccumulator merge(MinuteAccumulator a, MinuteAccumulator b) {
        return a.merge(b);
    }
}
