package io.plantline.pipeline.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.AlertRule;
import io.plantline.model.AlertStatus;
import io.plantline.model.AlertTransition;
import io.plantline.model.Severity;
import io.plantline.pipeline.ingest.EventTimeOrder;
import io.plantline.pipeline.ingest.MetricPoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import io.plantline.pipeline.FlinkTestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The CEP patterns and the lifecycle together, on a MiniCluster, from rule evaluations in event time. */
class AlertDetectionTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestCluster.extension();

    private static final long T0 = 1_700_000_000_000L;
    private final AlertRule hot = RuleBuilder.rule("hot").above(80).forSeconds(10).clearAt(75).build();

    @Test
    void singleReadingOverTheThresholdOpensNothing() throws Exception {
        Outcome outcome = run(hot, readings(70, 70, 95, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70));

        assertThat(outcome.rows).isEmpty();
    }

    @Test
    void breachHeldForTheDurationOpensOneAlertAtTheReadingThatCompletesIt() throws Exception {
        Outcome outcome = run(hot, readings(70, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 90, 85, 85, 85, 85));

        assertThat(outcome.finalRows()).singleElement().satisfies(alert -> {
            assertThat(alert.status()).isEqualTo(AlertStatus.ACTIVE);
            assertThat(alert.openedAt()).isEqualTo(T0 + 11_000);
            assertThat(alert.severity()).isEqualTo(Severity.WARNING);
            assertThat(alert.peakValue()).isEqualTo(90);
        });
        assertThat(outcome.transitions()).containsExactly(AlertTransition.OPENED);
    }

    @Test
    void dipBelowTheThresholdRestartsTheCount() throws Exception {
        // 85 for 9 s, one reading at 79, then 85 again: the alert needs 10 s counted from after the dip.
        Outcome outcome = run(hot, readings(85, 85, 85, 85, 85, 85, 85, 85, 85, 79,
                85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85));

        assertThat(outcome.finalRows()).singleElement()
                .satisfies(alert -> assertThat(alert.openedAt()).isEqualTo(T0 + 20_000));
    }

    @Test
    void alertClearsOnlyWhenTheValueStaysBeyondTheClearThreshold() throws Exception {
        List<Double> values = new ArrayList<>(repeat(85, 12));   // opens at 10 s
        values.addAll(repeat(77, 20));                           // below the threshold, above the clear threshold
        values.addAll(repeat(70, 12));                           // beyond the clear threshold from 32 s: clears at 42 s
        Outcome outcome = run(hot, points(values));

        assertThat(outcome.finalRows()).singleElement().satisfies(alert -> {
            assertThat(alert.status()).isEqualTo(AlertStatus.CLEARED);
            assertThat(alert.clearedAt()).isEqualTo(T0 + 42_000);
            assertThat(alert.lastValue()).isEqualTo(70);
        });
        assertThat(outcome.transitions()).containsExactly(AlertTransition.OPENED, AlertTransition.CLEARED);
    }

    @Test
    void aShortReturnBeyondTheClearThresholdDoesNotClearButALaterHeldOneDoes() throws Exception {
        List<Double> values = new ArrayList<>(repeat(85, 12));   // opens at 10 s
        values.addAll(repeat(70, 5));                            // 5 s beyond the clear threshold: not enough
        values.addAll(repeat(78, 3));                            // back in the band
        values.addAll(repeat(70, 12));                           // from 20 s: clears at 30 s
        Outcome outcome = run(hot, points(values));

        assertThat(outcome.finalRows()).singleElement()
                .satisfies(alert -> assertThat(alert.clearedAt()).isEqualTo(T0 + 30_000));
    }

    @Test
    void aNewBreachAfterAClearOpensANewAlert() throws Exception {
        List<Double> values = new ArrayList<>(repeat(85, 12));
        values.addAll(repeat(70, 12));
        values.addAll(repeat(88, 12));
        Outcome outcome = run(hot, points(values));

        assertThat(outcome.finalRows()).hasSize(2);
        assertThat(outcome.finalRows()).extracting(AlertRow::status).containsExactly(AlertStatus.CLEARED, AlertStatus.ACTIVE);
        assertThat(outcome.finalRows()).extracting(AlertRow::openedAt).containsExactly(T0 + 10_000, T0 + 34_000);
        assertThat(outcome.transitions())
                .containsExactly(AlertTransition.OPENED, AlertTransition.CLEARED, AlertTransition.OPENED);
    }

    @Test
    void aBreachThatGoesOnKeepsOneAlertOpenAndFollowsItsPeak() throws Exception {
        List<Double> values = new ArrayList<>(repeat(85, 15));
        values.add(99.0);
        values.addAll(repeat(85, 30));
        Outcome outcome = run(hot, points(values));

        assertThat(outcome.finalRows()).singleElement().satisfies(alert -> {
            assertThat(alert.status()).isEqualTo(AlertStatus.ACTIVE);
            assertThat(alert.peakValue()).isEqualTo(99);
        });
        assertThat(outcome.transitions()).containsExactly(AlertTransition.OPENED);
    }

    @Test
    void outOfOrderReadingsWithinTheBoundGiveTheSameAlerts() throws Exception {
        List<Double> values = new ArrayList<>(repeat(85, 12));
        values.addAll(repeat(77, 5));
        values.addAll(repeat(70, 12));
        values.addAll(repeat(91, 14));
        List<MetricPoint> inOrder = points(values);
        List<MetricPoint> shuffled = new ArrayList<>(inOrder);
        Random random = new Random(7);
        for (int start = 0; start < shuffled.size(); start += 4) {   // reorder within 4 s, the bound is 5 s
            Collections.shuffle(shuffled.subList(start, Math.min(start + 4, shuffled.size())), random);
        }

        assertThat(run(hot, shuffled).finalRows()).isEqualTo(run(hot, inOrder).finalRows()).hasSize(2);
    }

    @Test
    void countRuleOpensAtTheNthConsecutiveBreachingReading() throws Exception {
        AlertRule threeReadings = RuleBuilder.rule("three").above(80).count(3).build();

        Outcome outcome = run(threeReadings, readings(85, 85, 70, 85, 85, 85, 70));

        assertThat(outcome.finalRows()).singleElement()
                .satisfies(alert -> assertThat(alert.openedAt()).isEqualTo(T0 + 5_000));
    }

    @Test
    void escalationRaisesTheSeverityOnceWhenTheBreachOutlastsTheDelay() throws Exception {
        AlertRule escalating = RuleBuilder.rule("hot-escalating").above(80).forSeconds(10)
                .escalateAfter(20, Severity.CRITICAL).build();

        Outcome outcome = run(escalating, points(repeat(85, 60)));

        assertThat(outcome.finalRows()).singleElement().satisfies(alert -> {
            assertThat(alert.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(alert.openedAt()).isEqualTo(T0 + 10_000);
            assertThat(alert.escalatedAt()).isEqualTo(T0 + 30_000);
        });
        assertThat(outcome.transitions()).containsExactly(AlertTransition.OPENED, AlertTransition.ESCALATED);
    }

    @Test
    void lowSideRulesAlarmOnLowValuesAndPeakAtTheMinimum() throws Exception {
        AlertRule lowPressure = RuleBuilder.rule("low").below(2).forSeconds(3).clearAt(2.5).build();

        Outcome outcome = run(lowPressure, readings(3, 1.5, 1.2, 0.8, 1.9, 3, 3, 3, 3, 3));

        assertThat(outcome.finalRows()).singleElement().satisfies(alert -> {
            assertThat(alert.status()).isEqualTo(AlertStatus.CLEARED);
            assertThat(alert.peakValue()).isEqualTo(0.8);
        });
    }

    private static List<Double> repeat(double value, int times) {
        return Collections.nCopies(times, value);
    }

    private static List<MetricPoint> readings(double... values) {
        List<Double> list = new ArrayList<>();
        for (double value : values) {
            list.add(value);
        }
        return points(list);
    }

    /** One reading per second from T0 on, of device {@code press-1}. */
    private static List<MetricPoint> points(List<Double> values) {
        List<MetricPoint> points = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            points.add(new MetricPoint("acme", "press-1", "temperature", T0 + i * 1000L, values.get(i)));
        }
        return points;
    }

    private static Outcome run(AlertRule rule, List<MetricPoint> points) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        List<RuleEvaluation> evaluations = points.stream().map(point -> RuleEvaluation.of(rule, point)).toList();
        DataStream<RuleEvaluation> input = env.fromData(evaluations).setParallelism(1)
                .assignTimestampsAndWatermarks(WatermarkStrategy
                        .<RuleEvaluation>forBoundedOutOfOrderness(Duration.ofSeconds(5))
                        .withTimestampAssigner((evaluation, previous) -> evaluation.ts()))
                .setParallelism(1);
        // The job orders the readings before it evaluates them; here the evaluations stand in for them.
        DataStream<RuleEvaluation> inOrder = input.transform("order by event time", input.getType(),
                new EventTimeOrder<>(input.getType(), Duration.ofMinutes(2))).setParallelism(1);
        SingleOutputStreamOperator<AlertRow> rows = AlertDetection.alerts(inOrder, Duration.ofDays(1));
        CloseableIterator<AlertRow> rowResults = rows.collectAsync();
        CloseableIterator<AlertChange> changeResults = rows.getSideOutput(AlertLifecycle.CHANGES).collectAsync();
        env.execute();
        Outcome outcome = new Outcome();
        rowResults.forEachRemaining(outcome.rows::add);
        changeResults.forEachRemaining(outcome.changes::add);
        return outcome;
    }

    private static final class Outcome {
        final List<AlertRow> rows = new ArrayList<>();
        final List<AlertChange> changes = new ArrayList<>();

        /** The last row written per alert, in opening order: what the table holds after the run. */
        List<AlertRow> finalRows() {
            Map<String, AlertRow> last = new LinkedHashMap<>();
            rows.forEach(row -> last.put(row.id(), row));
            return last.values().stream().sorted(java.util.Comparator.comparingLong(AlertRow::openedAt)).toList();
        }

        List<AlertTransition> transitions() {
            return changes.stream().sorted(java.util.Comparator.comparingLong(AlertChange::at))
                    .map(AlertChange::transition).toList();
        }
    }
}
