package io.plantline.pipeline.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.AlertRule;
import io.plantline.pipeline.ingest.MetricPoint;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PatternRelevanceTest {

    private final AlertRule hot = RuleBuilder.rule("hot").above(80).forSeconds(2).clearAt(75).build();
    private PatternRelevance relevance;
    private OneInputStreamOperatorTestHarness<RuleEvaluation, RuleEvaluation> harness;
    private long ts;

    @BeforeEach
    void openHarness() throws Exception {
        relevance = new PatternRelevance();
        harness = new OneInputStreamOperatorTestHarness<>(relevance);
        harness.open();
    }

    @Test
    void normalReadingsReachNoPatternAndLeaveNoState() throws Exception {
        send(70, 71, 70, 72);

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(relevance.openKeys()).isEmpty();
    }

    @Test
    void aBreachReachesTheBreachPatternsUntilItsFirstNormalReadingAndTheClearPatternUntilItsRunIsLongEnough()
            throws Exception {
        send(70, 85, 86, 70, 70, 70, 70, 70);

        assertThat(harness.extractOutputValues()).extracting(RuleEvaluation::value, RuleEvaluation::forBreach,
                RuleEvaluation::forClear).containsExactly(
                org.assertj.core.groups.Tuple.tuple(85.0, true, true),     // breach; anchor of a clear run
                org.assertj.core.groups.Tuple.tuple(86.0, true, true),
                org.assertj.core.groups.Tuple.tuple(70.0, true, true),     // ends the breach run; starts the clear run
                org.assertj.core.groups.Tuple.tuple(70.0, false, true),
                org.assertj.core.groups.Tuple.tuple(70.0, false, true));   // 2 s after the run began: reached
        assertThat(relevance.openKeys()).isEmpty();
    }

    private void send(double... values) throws Exception {
        for (double value : values) {
            ts += 1000;
            harness.processElement(RuleEvaluation.of(hot, new MetricPoint("acme", "press-1", "temperature", ts, value)), ts);
        }
    }
}
