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
        assertThat(emitted).last().isEqualTo(now.get() - 35_000);

        generator.onEvent("late", 600_000, output); // never back: watermarks only rise
        generator.onPeriodicEmit(output);
        assertThat(emitted).isSorted().doesNotHaveDuplicates();
    }
}
