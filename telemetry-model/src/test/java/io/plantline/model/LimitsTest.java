package io.plantline.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LimitsTest {

    private static final String NEAR_MISSES = "azAZ09_.-@ /:`[{~\u00e9\u0660";

    @Test
    void metricNameCheckAgreesWithThePattern() {
        Random random = new Random(34);
        int valid = 0;
        for (int i = 0; i < 200_000; i++) {
            StringBuilder name = new StringBuilder();
            int length = random.nextInt(70);
            for (int c = 0; c < length; c++) {
                name.append(random.nextInt(4) == 0 ? (char) random.nextInt(0x3000)
                        : NEAR_MISSES.charAt(random.nextInt(NEAR_MISSES.length())));
            }
            boolean expected = Limits.METRIC_NAME.matcher(name).matches();
            assertThat(Limits.isMetricName(name.toString())).as("%s", name).isEqualTo(expected);
            valid += expected ? 1 : 0;
        }
        assertThat(valid).as("valid names drawn").isGreaterThan(1_000);
    }

    @Test
    void metricNameLengthBounds() {
        assertThat(Limits.isMetricName("")).isFalse();
        assertThat(Limits.isMetricName("m".repeat(64))).isTrue();
        assertThat(Limits.isMetricName("m".repeat(65))).isFalse();
    }
}
