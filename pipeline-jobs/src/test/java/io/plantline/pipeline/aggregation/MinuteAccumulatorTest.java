package io.plantline.pipeline.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MinuteAccumulatorTest {

    @Test
    void statisticsOfAMinuteMatchTheTextbookDefinitions() {
        MinuteAccumulator minute = MinuteAccumulator.EMPTY.add(2).add(4).add(4).add(4).add(5).add(5).add(7).add(9);

        assertThat(minute.count()).isEqualTo(8);
        assertThat(minute.min()).isEqualTo(2);
        assertThat(minute.max()).isEqualTo(9);
        assertThat(minute.avg()).isEqualTo(5);
        assertThat(minute.stddev()).isEqualTo(2);   // population standard deviation
    }

    @Test
    void largeValuesWithASmallSpreadKeepTheirPrecision() {
        MinuteAccumulator minute = MinuteAccumulator.EMPTY;
        for (int i = 0; i < 1_000; i++) {
            minute = minute.add(1e9 + (i % 2 == 0 ? 0.5 : -0.5));
        }

        assertThat(minute.stddev()).isCloseTo(0.5, within(1e-6));
        assertThat(minute.avg()).isBetween(minute.min(), minute.max());
    }

    @Test
    void mergingEqualsAddingEverythingToOne() {
        MinuteAccumulator left = MinuteAccumulator.EMPTY.add(1).add(2).add(3);
        MinuteAccumulator right = MinuteAccumulator.EMPTY.add(10).add(20);
        MinuteAccumulator all = MinuteAccumulator.EMPTY.add(1).add(2).add(3).add(10).add(20);

        MinuteAccumulator merged = left.merge(right);
        assertThat(merged.count()).isEqualTo(all.count());
        assertThat(merged.avg()).isCloseTo(all.avg(), within(1e-12));
        assertThat(merged.stddev()).isCloseTo(all.stddev(), within(1e-12));
        assertThat(MinuteAccumulator.EMPTY.merge(left)).isEqualTo(left);
    }
}
