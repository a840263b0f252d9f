package io.plantline.pipeline.lifecycle;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

/**
 * Bounded out-of-orderness with two kinds of silence. A source (partition) silent for {@code idleAfter} is idle: it
 * stops holding back event time while others go on, as {@code withIdleness} does. One silent for
 * {@code wallClockAfter} (longer) follows the wall clock less the bound, as a partition receiving live records would.
 * Offline detection needs the second: when the whole plant goes silent (a network outage), every source is idle,
 * event time would stand still, and no device would ever be seen to go offline. Following the wall clock less only
 * the bound (not less the wait too) matters as much: the job's event time is the smallest of its partitions', so a
 * silent partition behind the live ones (the commands topic is silent most of the time) would make every device go
 * offline that much late. A replay of old records is not affected while it runs, since it is not silent; records
 * that arrive on a partition after it followed the wall clock may be behind it, which the lifecycle accepts.
 */
final class WallClockWhenIdle<T> implements WatermarkGenerator<T> {

    private final long bound;
    private final long idleAfter;
    private final long wallClockAfter;
    private final LongSupplier clock;
    private long maxTimestamp = Long.MIN_VALUE;
    private long lastRecordAt;
    private long emitted = Long.MIN_VALUE;

    WallClockWhenIdle(Duration bound, Duration idleAfter, Duration wallClockAfter, LongSupplier clock) {
        this.bound = bound.toMillis();
        this.idleAfter = idleAfter.toMillis();
        this.wallClockAfter = wallClockAfter.toMillis();
        this.clock = clock;
        this.lastRecordAt = clock.getAsLong();
    }

    @Override
    public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {
        maxTimestamp = Math.max(maxTimestamp, eventTimestamp);
        lastRecordAt = clock.getAsLong();
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        long now = clock.getAsLong();
        long watermark = maxTimestamp == Long.MIN_VALUE ? Long.MIN_VALUE : maxTimestamp - bound - 1;
        if (now - lastRecordAt >= wallClockAfter) {
            watermark = Math.max(watermark, now - bound - 1);
        } else if (now - lastRecordAt >= idleAfter) {
            output.markIdle();
            return;
        }
        if (watermark > emitted) {
            emitted = watermark;
            output.emitWatermark(new Watermark(watermark));
        }
    }
}
