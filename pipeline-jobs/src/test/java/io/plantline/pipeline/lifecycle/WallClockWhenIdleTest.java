package io.plantline.pipeline.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

class WallClockWhenIdleTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final List<Long> emitted = new ArrayList<>();
    private int idleMarks;
    private final WatermarkOutput output = new WatermarkOutput() {
        @Override
        public void emitWatermark(Watermark watermark) {
            emitted.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {
            idleMarks++;
        }

        @Override
        public void markActive() {
        }
    };

    @Test
    void eventTimeLeadsWhileRecordsArriveAShortSilenceIsIdleAndALongOneFollowsTheWallClock() {
        WallClockWhenIdle<String> generator = new WallClockWhenIdle<>(Duration.ofSeconds(5), Duration.ofSeconds(2),
                Duration.ofSeconds(30), now::get);
        generator.onEvent("old", 500_000, output); // a replay of older records: event time, not the wall clock
        generator.onPeriodicEmit(output);
        now.addAndGet(1_000);
        generator.onPeriodicEmit(output);
        assertThat(emitted).containsExactly(494_999L);
        assertThat(idleMarks).isZero();
        now.addAndGet(28_000);
        generator.onPeriodicEmit(output);
        assertThat(idleMarks).isEqualTo(1);

        now.addAndGet(1_000); // silent for 30 s
        generator.onPeriodicEmit(output);
        assertThat(emitted).last().as("the wall clock less the bound").isEqualTo(now.get() - 5_001);

        generator.onEvent("late", 600_000, output); // never back: watermarks only rise
        generator.onPeriodicEmit(output);
        assertThat(emitted).isSorted().doesNotHaveDuplicates();
    }

    /**
     * Issue 16, item 11: the job's event time is the smallest of its partitions'. A silent partition (the commands
     * topic is almost always silent) must not hold it back further than a live one does: devices on live partitions go
     * offline after the limit plus at most the bound.
     */
    @Test
    void aSilentPartitionHoldsEventTimeBackNoFurtherThanALiveOne() {
        WatermarkOutput ignoreIdle = output;
        WallClockWhenIdle<String> live = new WallClockWhenIdle<>(Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofSeconds(60), now::get);
        WallClockWhenIdle<String> silent = new WallClockWhenIdle<>(Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofSeconds(60), now::get);
        List<Long> fromLive = new ArrayList<>();
        List<Long> fromSilent = new ArrayList<>();
        for (int second = 0; second <= 200; second++) {
            live.onEvent("reading", now.get(), ignoreIdle);   // a device on time
            emitted.clear();
            live.onPeriodicEmit(output);
            fromLive.addAll(emitted);
            emitted.clear();
            silent.onPeriodicEmit(output);
            fromSilent.addAll(emitted);
            now.addAndGet(1_000);
        }

        long eventTimeNow = Math.min(fromLive.get(fromLive.size() - 1), fromSilent.get(fromSilent.size() - 1));
        assertThat(now.get() - 1_000 - eventTimeNow).as("how far event time trails the wall clock")
                .isLessThanOrEqualTo(5_001);
    }
}
