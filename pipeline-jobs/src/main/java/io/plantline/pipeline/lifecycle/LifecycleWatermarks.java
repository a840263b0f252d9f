package io.plantline.pipeline.lifecycle;

import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/** The lifecycle job's event time: the record's own time, {@link WallClockWhenIdle} for the watermarks. */
public record LifecycleWatermarks(Duration bound, Duration idleAfter, Duration wallClockAfter) implements Serializable {

    public WatermarkStrategy<LifecycleInput> strategy() {
        Duration bound = this.bound;
        Duration idleAfter = this.idleAfter;
        Duration wallClockAfter = this.wallClockAfter;
        return WatermarkStrategy.<LifecycleInput>forGenerator(context ->
                        new WallClockWhenIdle<>(bound, idleAfter, wallClockAfter, System::currentTimeMillis))
                .withTimestampAssigner((input, kafkaTimestamp) -> input.isRejected() ? Long.MIN_VALUE : input.ts());
    }
}
