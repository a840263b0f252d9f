package io.plantline.api.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OeeHistoryBackOffTest {

    @Test
    void theWaitDoublesWithEachFailureUpToAnHour() {
        assertThat(OeeHistory.backOff(1)).isEqualTo(Duration.ofSeconds(10));
        assertThat(OeeHistory.backOff(2)).isEqualTo(Duration.ofSeconds(20));
        assertThat(OeeHistory.backOff(9)).isEqualTo(Duration.ofSeconds(2_560));
        assertThat(OeeHistory.backOff(10)).isEqualTo(Duration.ofHours(1));
        assertThat(OeeHistory.backOff(Integer.MAX_VALUE)).isEqualTo(Duration.ofHours(1));
    }
}
