package io.plantline.pipeline.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.AlertRule;
import io.plantline.pipeline.ingest.MetricPoint;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EventTimeOrderTest {

    private final AlertRule rule = RuleBuilder.rule("hot").above(80).build();
    private OneInputStreamOperatorTestHarness<RuleEvaluation, RuleEvaluation> harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = new OneInputStreamOperatorTestHarness<>(new EventTimeOrder());
        harness.open();
    }

    @Test
    void evaluationsWaitForTheWatermarkAndLeaveInEventTimeOrder() throws Exception {
        send(3_000);
        send(1_000);
        send(2_000);
        send(5_000);
        assertThat(harness.extractOutputValues()).isEmpty();

        harness.processWatermark(3_000);

        assertThat(harness.extractOutputValues()).extracting(RuleEvaluation::ts).containsExactly(1_000L, 2_000L, 3_000L);
    }

    @Test
    void anEvaluationBehindTheWatermarkIsDroppedFromAlerting() throws Exception {
        harness.processWatermark(10_000);
        send(9_000);
        harness.processWatermark(20_000);

        assertThat(harness.extractOutputValues()).isEmpty();
    }

    @Test
    void heldEvaluationsSurviveARestoreFromASnapshot() throws Exception {
        send(2_000);
        send(1_000);
        OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        harness.close();

        harness = new OneInputStreamOperatorTestHarness<>(new EventTimeOrder());
        harness.initializeState(snapshot);
        harness.open();
        harness.processWatermark(5_000);

        assertThat(harness.extractOutputValues()).extracting(RuleEvaluation::ts).containsExactly(1_000L, 2_000L);
    }

    private void send(long ts) throws Exception {
        harness.processElement(RuleEvaluation.of(rule, new MetricPoint("acme", "press-1", "temperature", ts, 85)), ts);
    }
}
