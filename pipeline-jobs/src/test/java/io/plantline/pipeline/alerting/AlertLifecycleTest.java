package io.plantline.pipeline.alerting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.plantline.model.AlertStatus;
import io.plantline.model.AlertTransition;
import io.plantline.model.Severity;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AlertLifecycleTest {

    private KeyedOneInputStreamOperatorTestHarness<String, AlertSignal, AlertRow> harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = lifecycle();
        harness.open();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, AlertSignal, AlertRow> lifecycle() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new AlertLifecycle(Duration.ofDays(1))), AlertSignal::alertKey, Types.STRING);
    }

    @Test
    void signalsWaitForTheWatermarkAndApplyInEventTimeOrder() throws Exception {
        // The clear operator was faster than the breach operator: the clear arrives first.
        harness.processElement(signal(AlertSignal.Kind.CLEAR_SUSTAINED, 30_000, 70), 30_000);
        harness.processElement(signal(AlertSignal.Kind.SUSTAINED, 10_000, 85), 10_000);
        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(harness.numEventTimeTimers()).isEqualTo(2);

        harness.processWatermark(30_000);

        assertThat(harness.extractOutputValues()).extracting(AlertRow::status)
                .containsExactly(AlertStatus.ACTIVE, AlertStatus.CLEARED);
        assertThat(harness.getSideOutput(AlertLifecycle.CHANGES)).extracting(record -> record.getValue().transition())
                .containsExactly(AlertTransition.OPENED, AlertTransition.CLEARED);
    }

    /** Issue 16, item 6: a partition resumed behind the others, and then the plant fell quiet. */
    @Test
    void signalsBehindTheWatermarkApplyAtOnceWithoutWaitingForItToMove() throws Exception {
        harness.processWatermark(180_000);

        harness.processElement(signal(AlertSignal.Kind.SUSTAINED, 40_000, 85), 40_000);
        harness.processElement(signal(AlertSignal.Kind.CLEAR_SUSTAINED, 70_000, 70), 70_000);

        assertThat(harness.extractOutputValues()).extracting(AlertRow::status, AlertRow::clearedAt)
                .containsExactly(tuple(AlertStatus.ACTIVE, null), tuple(AlertStatus.CLEARED, 70_000L));
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aBreachArrivingAfterTheWatermarkAppliedItsClearIsReplayedBeforeTheClear() throws Exception {
        // A partition resumed behind the others: the watermark has passed both signals, and the clear came first.
        harness.processWatermark(180_000);
        harness.processElement(signal(AlertSignal.Kind.CLEAR_SUSTAINED, 70_000, 70), 70_000);
        harness.processWatermark(181_000);
        assertThat(harness.extractOutputValues()).isEmpty();

        harness.processElement(signal(AlertSignal.Kind.SUSTAINED, 40_000, 85), 40_000);
        harness.processWatermark(182_000);

        assertThat(harness.extractOutputValues()).extracting(AlertRow::status, AlertRow::openedAt, AlertRow::clearedAt)
                .containsExactly(tuple(AlertStatus.ACTIVE, 40_000L, null), tuple(AlertStatus.CLEARED, 40_000L, 70_000L));
        assertThat(harness.getSideOutput(AlertLifecycle.CHANGES)).extracting(record -> record.getValue().transition())
                .containsExactly(AlertTransition.OPENED, AlertTransition.CLEARED);
    }

    @Test
    void aContinuingBreachArrivingAfterTheClearWasAppliedOpensNoSecondAlert() throws Exception {
        harness.processElement(signal(AlertSignal.Kind.SUSTAINED, 40_000, 85), 40_000);
        harness.processElement(signal(AlertSignal.Kind.CLEAR_SUSTAINED, 70_000, 70), 70_000);
        harness.processWatermark(180_000);
        String alertId = harness.extractOutputValues().get(0).id();

        // The breach operator's next match (the breach went on to 0:51) arrives after the clear was applied.
        harness.processElement(signal(AlertSignal.Kind.SUSTAINED, 51_000, 88), 51_000);
        harness.processWatermark(181_000);

        assertThat(harness.extractOutputValues()).extracting(AlertRow::id).containsOnly(alertId);
        assertThat(harness.extractOutputValues()).last().satisfies(row -> {
            assertThat(row.status()).isEqualTo(AlertStatus.CLEARED);
            assertThat(row.clearedAt()).isEqualTo(70_000L);
            assertThat(row.peakValue()).isEqualTo(88);
        });
        // The replayed clear is repeated with the same alert id and transition, which consumers dedupe on.
        assertThat(harness.getSideOutput(AlertLifecycle.CHANGES)).extracting(record -> record.getValue().transition())
                .containsExactly(AlertTransition.OPENED, AlertTransition.CLEARED, AlertTransition.CLEARED);
    }

    @Test
    void theOldestSignalsBeyondTheReplayableNumberAreFoldedIntoTheAlertTheOthersReplayOn() throws Exception {
        // A breach going on: the opening at 0:10, then one more match every 10 s; the opening is folded away.
        for (int i = 0; i <= AlertLifecycle.REPLAYABLE_SIGNALS; i++) {
            harness.processElement(signal(AlertSignal.Kind.SUSTAINED, 10_000 + 10_000L * i, 85), 10_000 + 10_000L * i);
        }
        harness.processWatermark(400_000);

        harness.processElement(new AlertSignal(AlertSignal.Kind.ESCALATION_DUE, "acme", "press-1", "hot", "temperature",
                15_000, 90, 90, Severity.CRITICAL, true), 15_000);
        harness.processWatermark(401_000);

        assertThat(harness.getSideOutput(AlertLifecycle.CHANGES)).extracting(record -> record.getValue().transition())
                .containsExactly(AlertTransition.OPENED, AlertTransition.ESCALATED);
        assertThat(harness.extractOutputValues()).extracting(AlertRow::openedAt).containsOnly(10_000L);
        assertThat(harness.extractOutputValues()).last().satisfies(row -> {
            assertThat(row.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(row.escalatedAt()).isEqualTo(15_000L);
        });
    }

    @Test
    void aClearWithoutAnOpenAlertChangesNothing() throws Exception {
        harness.processElement(signal(AlertSignal.Kind.CLEAR_SUSTAINED, 5_000, 70), 5_000);
        harness.processWatermark(5_000);

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(harness.getSideOutput(AlertLifecycle.CHANGES)).isNull();
    }

    @Test
    void anOpenAlertSurvivesARestoreFromASnapshot() throws Exception {
        harness.processElement(signal(AlertSignal.Kind.SUSTAINED, 10_000, 85), 10_000);
        harness.processWatermark(10_000);
        var snapshot = harness.snapshot(1, 11_000);
        harness.close();

        harness = lifecycle();
        harness.initializeState(snapshot);
        harness.open();
        harness.processElement(signal(AlertSignal.Kind.SUSTAINED, 21_000, 95), 21_000);
        harness.processWatermark(21_000);

        assertThat(harness.extractOutputValues()).singleElement().satisfies(row -> {
            assertThat(row.openedAt()).isEqualTo(10_000);
            assertThat(row.peakValue()).isEqualTo(95);
        });
        assertThat(harness.getSideOutput(AlertLifecycle.CHANGES)).isNull();
    }

    /**
     * A device that stays between the clear threshold and the threshold sends no signal for longer than the state TTL;
     * its alert is still open when it clears at last. State TTL and processing time move together, as they do live.
     */
    @Test
    void anAlertOpenForLongerThanTheStateTtlWithoutASignalIsStillClearedByTheNextClear() throws Exception {
        harness.close();
        harness = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(
                new AlertLifecycle(Duration.ofHours(1))), AlertSignal::alertKey, Types.STRING);
        harness.open();
        harness.setStateTtlProcessingTime(0);
        harness.setProcessingTime(0);
        harness.processElement(signal(AlertSignal.Kind.SUSTAINED, 10_000, 85), 10_000);
        harness.processWatermark(10_000);

        for (long minute = 1; minute <= 180; minute++) {
            long now = Duration.ofMinutes(minute).toMillis();
            harness.setStateTtlProcessingTime(now);
            harness.setProcessingTime(now);
        }
        long clearAt = Duration.ofHours(3).toMillis();
        harness.processElement(signal(AlertSignal.Kind.CLEAR_SUSTAINED, clearAt, 70), clearAt);
        harness.processWatermark(clearAt);

        assertThat(harness.extractOutputValues()).extracting(AlertRow::status, AlertRow::openedAt, AlertRow::clearedAt)
                .containsExactly(tuple(AlertStatus.ACTIVE, 10_000L, null), tuple(AlertStatus.CLEARED, 10_000L, clearAt));
        harness.setProcessingTime(Duration.ofHours(4).toMillis());
        assertThat(harness.numProcessingTimeTimers()).isZero();   // a closed alert's state is left to the TTL
    }

    @Test
    void escalationHappensOnceAndOnlyToAHigherSeverity() throws Exception {
        harness.processElement(signal(AlertSignal.Kind.SUSTAINED, 10_000, 85), 10_000);
        harness.processElement(new AlertSignal(AlertSignal.Kind.ESCALATION_DUE, "acme", "press-1", "hot", "temperature",
                30_000, 86, 86, Severity.CRITICAL, true), 30_000);
        harness.processElement(new AlertSignal(AlertSignal.Kind.ESCALATION_DUE, "acme", "press-1", "hot", "temperature",
                50_000, 87, 87, Severity.CRITICAL, true), 50_000);
        harness.processWatermark(50_000);

        assertThat(harness.getSideOutput(AlertLifecycle.CHANGES)).extracting(record -> record.getValue().transition())
                .containsExactly(AlertTransition.OPENED, AlertTransition.ESCALATED);
        assertThat(harness.extractOutputValues()).last().satisfies(row -> {
            assertThat(row.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(row.escalatedAt()).isEqualTo(30_000L);
            assertThat(row.lastValue()).isEqualTo(87);
        });
    }

    private static AlertSignal signal(AlertSignal.Kind kind, long at, double value) {
        return new AlertSignal(kind, "acme", "press-1", "hot", "temperature", at, value, value, Severity.WARNING, true);
    }
}
