package io.plantline.api.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RolloutPolicyTest {

    private static final List<String> TEN = IntStream.rangeClosed(1, 10).mapToObj(i -> "d" + i).toList();

    @Test
    void stagesBySizeByPercentOrOneStage() {
        assertThat(policy(Optional.of(4), Optional.empty()).stages(TEN)).extracting(List::size).containsExactly(4, 4, 2);
        assertThat(policy(Optional.empty(), Optional.of(25)).stages(TEN)).extracting(List::size).containsExactly(3, 3, 3, 1);
        assertThat(policy(Optional.empty(), Optional.of(1)).stages(TEN)).hasSize(10);
        assertThat(policy(Optional.empty(), Optional.empty()).stages(TEN)).containsExactly(TEN);
        assertThat(policy(Optional.of(3), Optional.empty()).stages(TEN).get(0)).containsExactly("d1", "d2", "d3");
    }

    @Test
    void thresholdsDecideTheNextStageAndThePause() {
        RolloutPolicy policy = new RolloutPolicy(Optional.of(5), Optional.empty(), 0.8, 0.1);
        assertThat(policy.stageSucceeded(4, 5)).isTrue();
        assertThat(policy.stageSucceeded(3, 5)).isFalse();
        assertThat(policy.failuresPause(1, 10)).isFalse(); // 10 % is the limit, not beyond it
        assertThat(policy.failuresPause(2, 10)).isTrue();
        assertThat(policy.failuresPause(1, 5)).isTrue();
        assertThat(new RolloutPolicy(Optional.empty(), Optional.empty(), 1.0, 0.0).failuresPause(1, 100)).isTrue();
    }

    @Test
    void invalidPoliciesAreRefused() {
        assertThatThrownBy(() -> policy(Optional.of(2), Optional.of(50))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> policy(Optional.of(0), Optional.empty())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> policy(Optional.empty(), Optional.of(101))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RolloutPolicy(Optional.empty(), Optional.empty(), 0, 0.1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static RolloutPolicy policy(Optional<Integer> size, Optional<Integer> percent) {
        return new RolloutPolicy(size, percent, RolloutPolicy.DEFAULT_SUCCESS_THRESHOLD, RolloutPolicy.DEFAULT_FAILURE_THRESHOLD);
    }
}
