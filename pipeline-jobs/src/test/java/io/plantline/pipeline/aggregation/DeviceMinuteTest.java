package io.plantline.pipeline.aggregation;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.pipeline.ingest.DeviceReading;
import org.junit.jupiter.api.Test;

class DeviceMinuteTest {

    @Test
    void readingsWithDifferentMetricsKeepOneAccumulatorPerMetric() {
        DeviceMinute minute = DeviceMinute.EMPTY
                .add(reading(new String[] {"pressure", "temperature"}, 6, 70))
                .add(reading(new String[] {"pressure", "temperature"}, 8, 72))
                .add(reading(new String[] {"rpm", "temperature"}, 1200, 74));

        assertThat(minute.metrics()).containsExactly("pressure", "rpm", "temperature");
        assertThat(minute.statistics()).extracting(MinuteAccumulator::count).containsExactly(2L, 1L, 3L);
        assertThat(minute.statistics()[2].avg()).isEqualTo(72);
        assertThat(minute.statistics()[0].max()).isEqualTo(8);
    }

    private static DeviceReading reading(String[] metrics, double first, double second) {
        return new DeviceReading("acme", "press-1", 0, metrics, new double[] {first, second}, 0);
    }
}
