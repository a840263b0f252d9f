package io.plantline.pipeline.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.DeviceSettings;
import io.plantline.model.json.RecordJson;
import io.plantline.pipeline.ingest.DeviceReading;
import io.plantline.pipeline.rules.RuleChange;
import io.plantline.pipeline.sink.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RuleEvaluatorTest {

    private static final int MAX_PARALLELISM = 128;

    private BroadcastOperatorTestHarness<DeviceReading, RuleChange, RuleEvaluation> harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = ProcessFunctionTestHarnesses.forBroadcastProcessFunction(new RuleEvaluator("test"), RuleEvaluator.RULES);
    }

    private void rulesRead() throws Exception {
        harness.processBroadcastElement(RuleChange.caughtUp(), 0);
    }

    /** Issue 16, item 5: readings that come before the rules topic is read wait for it, then meet every rule. */
    @Test
    void readingsWaitUntilTheRulesAreReadAndAreThenJudgedAgainstThem() throws Exception {
        harness.processElement(point("press-1", "temperature", 85), 1_000);
        harness.processElement(point("press-1", "temperature", 70), 2_000);
        publish(RuleBuilder.rule("hot").above(80).build());
        assertThat(harness.extractOutputValues()).isEmpty();

        rulesRead();
        harness.processElement(point("press-1", "temperature", 90), 3_000);

        assertThat(harness.extractOutputValues()).extracting(RuleEvaluation::value, RuleEvaluation::breaching)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(85.0, true),
                        org.assertj.core.groups.Tuple.tuple(70.0, false),
                        org.assertj.core.groups.Tuple.tuple(90.0, true));
    }

    @Test
    void aReadingIsJudgedAgainstEveryRuleOfItsOrganisationAndMetric() throws Exception {
        rulesRead();
        publish(RuleBuilder.rule("hot").above(80).build());
        publish(RuleBuilder.rule("cold").below(10).build());
        publish(RuleBuilder.rule("fast").metric("spindle_rpm").above(2000).build());

        harness.processElement(point("press-1", "temperature", 85), 1_000);

        assertThat(harness.extractOutputValues()).extracting(RuleEvaluation::ruleId, RuleEvaluation::breaching)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("hot", true),
                        org.assertj.core.groups.Tuple.tuple("cold", false));
    }

    @Test
    void aDeviceScopedRuleIgnoresOtherDevices() throws Exception {
        rulesRead();
        publish(RuleBuilder.rule("hot").above(80).device("press-2").build());

        harness.processElement(point("press-1", "temperature", 85), 1_000);
        harness.processElement(point("press-2", "temperature", 85), 1_000);

        assertThat(harness.extractOutputValues()).extracting(RuleEvaluation::deviceId).containsExactly("press-2");
    }

    @Test
    void aChangedRuleAppliesToTheNextReadingAndATombstoneOrADisableRemovesIt() throws Exception {
        rulesRead();
        publish(RuleBuilder.rule("hot").above(80).build());
        harness.processElement(point("press-1", "temperature", 85), 1_000);
        publish(RuleBuilder.rule("hot").above(90).build());
        harness.processElement(point("press-1", "temperature", 85), 2_000);
        harness.processBroadcastElement(new RuleChange("acme/rule/hot", null, 0, 3), 2_500);
        harness.processElement(point("press-1", "temperature", 85), 3_000);
        publish(RuleBuilder.rule("hot").above(80).build());
        publish(RuleBuilder.rule("hot").above(80).disabled().build());
        harness.processElement(point("press-1", "temperature", 85), 4_000);

        assertThat(harness.extractOutputValues()).extracting(RuleEvaluation::breaching).containsExactly(true, false);
    }

    @Test
    void deviceSettingsAreLeftToTheOeeJobAndAnUnreadableRuleIsADeadLetter() throws Exception {
        rulesRead();
        harness.processBroadcastElement(new RuleChange("acme/device/press-1",
                RecordJson.write(DeviceSettings.of("acme", "press-1", java.util.Optional.of(12.5), java.time.Instant.EPOCH, java.util.Map.of())),
                0, 1), 1);
        harness.processBroadcastElement(new RuleChange("acme/rule/broken",
                "{\"type\":\"alert-rule\"}".getBytes(StandardCharsets.UTF_8), 0, 2), 2);

        assertThat(harness.getBroadcastState(RuleEvaluator.RULES).immutableEntries()).isEmpty();
        assertThat(harness.getSideOutput(DeadLetters.TAG)).singleElement()
                .satisfies(record -> assertThat(record.getValue().reason()).isEqualTo("invalid_value"));
    }

    /**
     * Issue 29, item 3: readings waiting for the rules when a snapshot was taken at parallelism 2 are judged, after a
     * restore at 4, by the subtask their device is routed to, each exactly once.
     */
    @Test
    void afterARescaleWaitingReadingsAreJudgedByTheSubtaskOfTheirDevice() throws Exception {
        harness.close();
        List<String> devices = IntStream.range(0, 12).mapToObj(i -> "press-" + i).toList();
        OperatorSubtaskState[] snapshots = new OperatorSubtaskState[2];
        for (int subtask = 0; subtask < 2; subtask++) {
            try (BroadcastOperatorTestHarness<DeviceReading, RuleChange, RuleEvaluation> before = harness(2, subtask)) {
                before.open();
                for (String device : devices) {
                    if (owner("acme/" + device, 2) == subtask) {
                        before.processElement(point(device, "temperature", 85), 1_000);
                    }
                }
                snapshots[subtask] = before.snapshot(1, 1);
            }
        }
        OperatorSubtaskState both = AbstractStreamOperatorTestHarness.repackageState(snapshots);

        List<String> judged = new ArrayList<>();
        for (int subtask = 0; subtask < 4; subtask++) {
            try (BroadcastOperatorTestHarness<DeviceReading, RuleChange, RuleEvaluation> after = harness(4, subtask)) {
                after.initializeState(AbstractStreamOperatorTestHarness.repartitionOperatorState(both, MAX_PARALLELISM, 2, 4, subtask));
                after.open();
                io.plantline.model.AlertRule hot = RuleBuilder.rule("hot").above(80).build();
                after.processBroadcastElement(new RuleChange(hot.key(), RecordJson.write(hot), 0, 0), 0);
                after.processBroadcastElement(RuleChange.caughtUp(), 0);
                for (RuleEvaluation evaluation : after.extractOutputValues()) {
                    assertThat(owner("acme/" + evaluation.deviceId(), 4)).as(evaluation.deviceId() + " judged by subtask "
                            + subtask).isEqualTo(subtask);
                    judged.add(evaluation.deviceId());
                }
            }
        }
        assertThat(judged).containsExactlyInAnyOrderElementsOf(devices);
    }

    private static int owner(String deviceKey, int parallelism) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(deviceKey, MAX_PARALLELISM, parallelism);
    }

    private static BroadcastOperatorTestHarness<DeviceReading, RuleChange, RuleEvaluation> harness(int parallelism,
                                                                                                 int subtask) throws Exception {
        return new BroadcastOperatorTestHarness<>(new CoBroadcastWithNonKeyedOperator<>(new RuleEvaluator("test"),
                List.of(RuleEvaluator.RULES)), MAX_PARALLELISM, parallelism, subtask);
    }

    private void publish(io.plantline.model.AlertRule rule) throws Exception {
        harness.processBroadcastElement(new RuleChange(rule.key(), RecordJson.write(rule), 0, 0), 0);
    }

    private static DeviceReading point(String deviceId, String metric, double value) {
        return new DeviceReading("acme", deviceId, 1_000, new String[] {metric}, new double[] {value}, 0);
    }
}
