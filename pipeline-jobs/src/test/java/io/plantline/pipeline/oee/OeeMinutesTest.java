package io.plantline.pipeline.oee;

import static io.plantline.model.MachineState.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.pipeline.sink.DeadLetters;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OeeMinutesTest {

    private static final long T0 = 1_795_420_800_000L;
    private KeyedTwoInputStreamOperatorTestHarness<String, MachineEventRecord, IdealCycleSetting, OeeMinute> harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new OeeMinutes("oee", Duration.ofMinutes(2), Duration.ofHours(1))),
                MachineEventRecord::deviceKey, IdealCycleSetting::deviceKey, Types.STRING);
        harness.open();
    }

    @Test
    void minutesAreWrittenWhenTheWatermarkPassesThemAndKeepComingWithoutEvents() throws Exception {
        event(MachineEvent.state(T0 + 10_000, RUNNING));
        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);

        harness.processBothWatermarks(new Watermark(T0 + 3 * 60_000));
        harness.processBothWatermarks(new Watermark(T0 + 5 * 60_000));

        assertThat(harness.extractOutputValues()).extracting(OeeMinute::bucketStart)
                .containsExactly(T0, T0 + 60_000, T0 + 120_000, T0 + 180_000, T0 + 240_000);
        assertThat(harness.extractOutputValues().get(0).components().plannedMs()).isEqualTo(50_000);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);   // the next minute's
    }

    @Test
    void aLateEventWithinTheAllowedLatenessRewritesItsMinuteAtOnceAndAnOlderOneIsADeadLetter() throws Exception {
        event(MachineEvent.state(T0, RUNNING));
        harness.processBothWatermarks(new Watermark(T0 + 4 * 60_000));
        int written = harness.extractOutputValues().size();

        event(MachineEvent.count(T0 + 150_000, 7, 7));   // minute 2, 90 s behind the watermark
        event(MachineEvent.count(T0 + 30_000, 1, 1));    // minute 0, beyond the 2 minutes allowed

        assertThat(harness.extractOutputValues().subList(written, harness.extractOutputValues().size()))
                .extracting(minute -> minute.bucketStart() - T0, minute -> minute.components().totalCount())
                .startsWith(org.assertj.core.groups.Tuple.tuple(120_000L, 7L));
        assertThat(harness.getSideOutput(DeadLetters.TAG)).singleElement()
                .satisfies(record -> assertThat(record.getValue().reason()).isEqualTo("too_late"));
    }

    @Test
    void aNewIdealCycleTimeRewritesTheMinutesFromItsEffectiveTimeStillOpenToCorrection() throws Exception {
        event(MachineEvent.state(T0, RUNNING));
        event(MachineEvent.count(T0 + 90_000, 10, 10));
        harness.processBothWatermarks(new Watermark(T0 + 3 * 60_000 - 1));
        int written = harness.extractOutputValues().size();

        harness.processElement2(new IdealCycleSetting("acme", "press-1", T0 + 60_000, 1_000), T0);

        assertThat(harness.extractOutputValues().subList(written, harness.extractOutputValues().size()))
                .extracting(minute -> minute.bucketStart() - T0, OeeMinute::idealCycleMs)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(60_000L, 1_000.0),
                        org.assertj.core.groups.Tuple.tuple(120_000L, 1_000.0));
    }

    private void event(MachineEvent event) throws Exception {
        harness.processElement1(new MachineEventRecord("acme", "press-1", event, null), event.ts());
    }
}
