package io.plantline.pipeline.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.AlertRule;
import io.plantline.pipeline.Mailbox;
import io.plantline.model.Severity;
import io.plantline.pipeline.ingest.MetricPoint;
import java.time.Duration;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PatternRelevanceTest {

    private static final Duration STATE_TTL = Duration.ofMinutes(10);
    private final AlertRule hot = RuleBuilder.rule("hot").above(80).forSeconds(2).clearAt(75)
            .escalateAfter(3, Severity.CRITICAL).build();
    private PatternRelevance relevance;
    private OneInputStreamOperatorTestHarness<RuleEvaluation, RuleEvaluation> harness;
    private long ts;

    @BeforeEach
    void openHarness() throws Exception {
        relevance = new PatternRelevance(STATE_TTL);
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
    void theBreachPatternsSeeARunsFirstReadingAndItsEndTheClearPatternItsAnchorsAndTheReadingThatCompletesIt()
            throws Exception {
        send(70, 85, 86, 70, 70, 70, 70, 70);

        assertThat(harness.extractOutputValues()).extracting(RuleEvaluation::value, RuleEvaluation::forBreach,
                RuleEvaluation::forClear, evaluation -> evaluation.marks().clearReached()).containsExactly(
                org.assertj.core.groups.Tuple.tuple(85.0, true, true, false),   // breach starts; an anchor
                org.assertj.core.groups.Tuple.tuple(86.0, false, true, false),  // counted here; still an anchor
                org.assertj.core.groups.Tuple.tuple(70.0, true, false, false),  // ends the breach run; a clear run begins
                org.assertj.core.groups.Tuple.tuple(70.0, false, true, true));  // 2 s after the clear run began
        assertThat(relevance.openKeys()).isEmpty();
    }

    /** The worst reading of a breach run reaches the pattern on the readings it does see. */
    @Test
    void theMarksCarryTheWorstReadingOfTheRunSoFar() throws Exception {
        send(70, 85, 99, 86, 87);

        assertThat(harness.extractOutputValues()).filteredOn(RuleEvaluation::breaching)
                .extracting(RuleEvaluation::value, evaluation -> evaluation.marks().peak())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(85.0, 85.0),
                        org.assertj.core.groups.Tuple.tuple(99.0, 99.0),
                        org.assertj.core.groups.Tuple.tuple(86.0, 99.0),
                        org.assertj.core.groups.Tuple.tuple(87.0, 99.0));
    }

    @Test
    void aLongBreachIsCutIntoSegmentsOfTheSustainTermWithOneOpeningAndOneEscalation() throws Exception {
        send(70, 85, 85, 85, 85, 85, 85, 85);   // 1 s apart from 2 s on; the rule asks for 2 s

        assertThat(harness.extractOutputValues()).filteredOn(RuleEvaluation::breaching)
                .extracting(evaluation -> evaluation.ts() / 1000, evaluation -> evaluation.marks().breachStart(),
                        evaluation -> evaluation.marks().breachReached(), evaluation -> evaluation.marks().opening(),
                        evaluation -> evaluation.marks().escalationDue())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(2L, true, false, false, false),
                        org.assertj.core.groups.Tuple.tuple(3L, false, false, false, false),
                        org.assertj.core.groups.Tuple.tuple(4L, false, true, true, false),    // 2 s: the opening
                        org.assertj.core.groups.Tuple.tuple(5L, true, false, false, false),
                        org.assertj.core.groups.Tuple.tuple(6L, false, false, false, false),
                        org.assertj.core.groups.Tuple.tuple(7L, false, true, false, true),    // 3 s after the opening
                        org.assertj.core.groups.Tuple.tuple(8L, true, false, false, false));
    }

    /** Issue 16, item 8: a device silent mid-breach is forgotten after the state TTL, and its run broken downstream. */
    @Test
    void aKeySilentForTheStateTtlIsForgottenAndItsOpenRunBroken() throws Exception {
        harness.setProcessingTime(0);
        send(70, 85, 86);
        assertThat(relevance.openKeys()).hasSize(1);
        int before = harness.extractOutputValues().size();

        Mailbox.processingTime(harness, STATE_TTL.toMillis() + Duration.ofMinutes(1).toMillis());

        assertThat(relevance.openKeys()).isEmpty();
        assertThat(harness.extractOutputValues().subList(before, harness.extractOutputValues().size()))
                .singleElement().satisfies(breaker -> {
                    assertThat(breaker.marks().runBroken()).isTrue();
                    assertThat(breaker.breaching()).isFalse();
                    assertThat(breaker.clearing()).isFalse();
                });
    }

    private void send(double... values) throws Exception {
        for (double value : values) {
            ts += 1000;
            harness.processElement(RuleEvaluation.of(hot, new MetricPoint("acme", "press-1", "temperature", ts, value)), ts);
        }
    }
}
