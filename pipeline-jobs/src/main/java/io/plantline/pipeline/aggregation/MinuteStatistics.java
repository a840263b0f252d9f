package io.plantline.pipeline.aggregation;

import io.plantline.pipeline.ingest.DeviceReading;
import org.apache.flink.api.common.functions.AggregateFunction;

/** Folds a minute's readings of one device into one {@link DeviceMinute}: window state is one record per device. */
public final class MinuteStatistics implements AggregateFunction<DeviceReading, DeviceMinute, DeviceMinute> {

    @Override
    public DeviceMinute createAccumulator() {
        return DeviceMinute.EMPTY;
    }

    @Override
    public DeviceMinute add(DeviceReading reading, DeviceMinute minute) {
        return minute.add(reading);
    }

    @Override
    public DeviceMinute getResult(DeviceMinute minute) {
        return minute;
    }

    @Override
    public DeviceMinute merge(DeviceMinute a, DeviceMinute b) {
        return a.merge(b);
    }
}
