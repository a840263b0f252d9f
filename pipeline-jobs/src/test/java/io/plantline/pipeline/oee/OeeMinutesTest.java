package io.plantline.pipeline.oee;

import static io.plantline.model.MachineState.DOWN;
import static io.plantline.model.MachineState.IDLE;
import static io.plantline.model.MachineState.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.plantline.model.MachineState;
import io.plantline.pipeline.rules.RuleChange;
import io.plantline.pipeline.sink.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class OeeMinutesTest {

    private static final long T0 = 1_795_420_800_000L;
    private static final long MINUTE = 60_000;
    private static final Duration STATE_TTL = Duration.ofHours(1);
    private static final long OUT_OF_ORDERNESS = 5_000;
    private static final Duration OFFLINE_AFTER = Duration.ofSeconds(90);
    private KeyedTwoInputStreamOperatorTestHarness<String, MachineEventRecord, MachineSettings, OeeMinute> harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = harness();
        harness.open();
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, MachineEventRecord, MachineSettings, OeeMinute> harness()
            throws Exception {
        return new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new OeeMinutes("oee", Duration.ofMinutes(2), STATE_TTL, OFFLINE_AFTER)),
                MachineEventRecord::deviceKey, MachineSettings::deviceKey, Types.STRING);
    }

    @Test
    void minutesAreWrittenWhenTheWatermarkPassesThemAndKeepComingWithoutEvents() throws Exception {
        event(MachineEvent.state(T0 + 10_000, RUNNING));
        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        heardEvery(30_000, T0 + 30_000, T0 + 5 * MINUTE);

        harness.processBothWatermarks(new Watermark(T0 + 3 * MINUTE));
        harness.processBothWatermarks(new Watermark(T0 + 5 * MINUTE));

        assertThat(harness.extractOutputValues()).extracting(OeeMinute::bucketStart, m -> m.components().plannedMs())
                .containsExactly(tuple(T0, 50_000L), tuple(T0 + MINUTE, 60_000L), tuple(T0 + 2 * MINUTE, 60_000L),
                        tuple(T0 + 3 * MINUTE, 60_000L), tuple(T0 + 4 * MINUTE, 60_000L));
        // The next minute's, and the end of the silence after the last time heard (the minutes assume it online).
        assertThat(harness.numEventTimeTimers()).isEqualTo(2);
    }

    @Test
    void heartbeatsAndTelemetryKeepARunningMachineKnownWithoutMachineEvents() throws Exception {
        event(MachineEvent.state(T0, RUNNING));
        heardEvery(80_000, T0 + 80_000, T0 + 10 * MINUTE);   // just within the 90 s

        harness.processBothWatermarks(new Watermark(T0 + 10 * MINUTE));

        assertThat(harness.extractOutputValues()).hasSize(10).allSatisfy(minute ->
                assertThat(minute.times().runMs()).isEqualTo(60_000));
    }

    @Test
    void aDeviceThatOnlySendsTelemetryIsNoMachineAndGetsNoMinutes() throws Exception {
        heardEvery(1_000, T0, T0 + 5 * MINUTE);

        harness.processBothWatermarks(new Watermark(T0 + 10 * MINUTE));

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aLateSignOfLifeWithinTheAllowedLatenessRewritesTheMinutesItKeepsKnownAndAnOlderOneIsDropped()
            throws Exception {
        event(MachineEvent.state(T0, RUNNING));
        event(MachineEvent.signOfLife(T0 + 30_000));
        harness.processBothWatermarks(new Watermark(T0 + 3 * MINUTE - 1));
        assertThat(harness.extractOutputValues()).extracting(m -> m.times().knownMs())
                .containsExactly(30_000L, 0L, 0L);

        event(MachineEvent.signOfLife(T0 + 100_000));   // 80 s behind the watermark: 70 s after the last, not offline
        event(MachineEvent.signOfLife(T0 + 50_000));    // within a minute now final: dropped, no dead letter

        // Heard at 100 s and event time at 180 s: the minutes after it assume the device still online.
        assertThat(lastPerMinute()).extracting(m -> m.times().knownMs()).containsExactly(60_000L, 60_000L, 60_000L);
        harness.processBothWatermarks(new Watermark(T0 + 4 * MINUTE));   // 90 s silent after 100 s: offline from it
        assertThat(lastPerMinute()).extracting(m -> m.times().knownMs())
                .containsExactly(60_000L, 40_000L, 0L, 0L);
        assertThat(harness.getSideOutput(DeadLetters.TAG)).isNull();
    }

    @Test
    void aMachineOfflineWhenItsStateIsCarriedPastForgottenMinutesStaysUnknownUntilItsNextState() throws Exception {
        event(MachineEvent.state(T0, RUNNING));
        for (long minute = 1; minute <= 8; minute++) {      // minute by minute, so the first minutes are forgotten
            harness.processBothWatermarks(new Watermark(T0 + minute * MINUTE));
        }
        event(MachineEvent.count(T0 + 8 * MINUTE + 10_000, 1, 1));   // heard again: still unknown
        event(MachineEvent.state(T0 + 8 * MINUTE + 30_000, IDLE));
        heardEvery(30_000, T0 + 9 * MINUTE, T0 + 10 * MINUTE + 30_000);
        harness.processBothWatermarks(new Watermark(T0 + 10 * MINUTE));

        assertThat(lastPerMinute()).extracting(m -> m.times().knownMs(), m -> m.times().idleMs()).containsExactly(
                tuple(0L, 0L), tuple(0L, 0L), tuple(0L, 0L), tuple(0L, 0L), tuple(0L, 0L), tuple(0L, 0L), tuple(0L, 0L),
                tuple(0L, 0L), tuple(30_000L, 30_000L), tuple(60_000L, 60_000L));
    }

    @Test
    void aRunningMachineThatFallsSilentHasNoKnownTimeFromWhenItWasLastHeardUntilItsNextState() throws Exception {
        event(MachineEvent.state(T0, RUNNING));
        event(MachineEvent.count(T0 + 30_000, 4, 4));   // last heard
        event(MachineEvent.count(T0 + 4 * MINUTE + 10_000, 1, 1));   // heard again: the state is still unknown
        event(MachineEvent.state(T0 + 5 * MINUTE + 20_000, RUNNING));
        heardEvery(30_000, T0 + 5 * MINUTE + 50_000, T0 + 7 * MINUTE + 30_000);

        harness.processBothWatermarks(new Watermark(T0 + 7 * MINUTE));

        assertThat(harness.extractOutputValues()).extracting(minute -> minute.bucketStart() - T0,
                        minute -> minute.times().knownMs(), minute -> minute.times().runMs())
                .containsExactly(tuple(0L, 30_000L, 30_000L), tuple(MINUTE, 0L, 0L), tuple(2 * MINUTE, 0L, 0L),
                        tuple(3 * MINUTE, 0L, 0L), tuple(4 * MINUTE, 0L, 0L), tuple(5 * MINUTE, 40_000L, 40_000L),
                        tuple(6 * MINUTE, 60_000L, 60_000L));
    }

    @Test
    void aLateEventWithinTheAllowedLatenessRewritesItsMinuteAtOnceAndAnOlderOneIsADeadLetter() throws Exception {
        event(MachineEvent.state(T0, RUNNING));
        harness.processBothWatermarks(new Watermark(T0 + 4 * MINUTE));
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
        harness.processBothWatermarks(new Watermark(T0 + 3 * MINUTE - 1));
        int written = harness.extractOutputValues().size();

        settings(T0 + MINUTE, 1.0);

        assertThat(harness.extractOutputValues().subList(written, harness.extractOutputValues().size()))
                .extracting(minute -> minute.bucketStart() - T0, OeeMinute::idealCycleMs)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(60_000L, 1_000.0),
                        org.assertj.core.groups.Tuple.tuple(120_000L, 1_000.0));
    }

    @Test
    void aCalendarEffectiveInThePastRewritesTheMinutesItUnschedulesStillOpenToCorrection() throws Exception {
        event(MachineEvent.state(T0, RUNNING));
        heardEvery(30_000, T0 + 30_000, T0 + 3 * MINUTE);
        harness.processBothWatermarks(new Watermark(T0 + 3 * MINUTE - 1));
        int written = harness.extractOutputValues().size();

        // From T0 + 1 minute on, a calendar whose one shift is 09:00-10:00 UTC (T0 is 08:00 UTC): the two minutes
        // written since are unscheduled.
        settingsJson("\"calendar\":[{\"effectiveFrom\":\"" + Instant.ofEpochMilli(T0 + MINUTE) + "\",\"zone\":\"UTC\","
                + "\"calendar\":{\"shifts\":[{\"name\":\"Late\",\"days\":[\"MON\",\"TUE\",\"WED\",\"THU\",\"FRI\"],"
                + "\"start\":\"09:00\",\"end\":\"10:00\"}],\"holidays\":[]}}],");

        assertThat(harness.extractOutputValues().subList(written, harness.extractOutputValues().size()))
                .extracting(minute -> minute.bucketStart() - T0, minute -> minute.times().scheduled(),
                        minute -> minute.components().plannedMs(), minute -> minute.times().unscheduledRunMs())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(60_000L, false, 0L, 60_000L),
                        org.assertj.core.groups.Tuple.tuple(120_000L, false, 0L, 60_000L));

        settingsJson("");   // the calendar removed: every minute scheduled again, the same minutes rewritten back
        assertThat(harness.extractOutputValues()).last()
                .satisfies(minute -> assertThat(minute.components().plannedMs()).isEqualTo(60_000));
    }

    /** Issue 16, item 1: the settings a device is created with must not override a later write effective before them. */
    @Test
    void aLaterWriteEffectiveBeforeAnEarlierOneAppliesFromItsEffectiveTime() throws Exception {
        long created = T0 + 30 * MINUTE;
        settings(created, null);                      // POST /devices: no ideal cycle time, effective at creation
        settings(created - 60 * MINUTE, 2.0);         // PUT settings: 2 s from an hour before the creation
        event(MachineEvent.state(created + 10_000, RUNNING));
        event(MachineEvent.count(created + 20_000, 10, 9));

        harness.processBothWatermarks(new Watermark(created + MINUTE));

        OeeMinute minute = harness.extractOutputValues().get(0);
        assertThat(minute.idealCycleMs()).isEqualTo(2_000.0);
        assertThat(minute.components().performance()).isEqualTo(20_000.0 / 50_000);
    }

    /** Issue 16, item 2: a device's settings last as long as the device, not as long as the state TTL. */
    @Test
    void theIdealCycleTimeOutlivesTheStateTtlWithoutASettingsChange() throws Exception {
        harness.setStateTtlProcessingTime(0);
        settings(T0, 2.0);
        long halfTtl = STATE_TTL.toMillis() / 2;
        int steps = 6;                                 // three state TTLs of processing time
        for (int step = 1; step <= steps; step++) {
            harness.setStateTtlProcessingTime(step * halfTtl);
            long minute = T0 + step * halfTtl;
            event(MachineEvent.state(minute, RUNNING));
            event(MachineEvent.count(minute + 1_000, 3, 3));
            harness.processBothWatermarks(new Watermark(minute + MINUTE));
        }

        assertThat(harness.extractOutputValues()).last().satisfies(last -> {
            assertThat(last.bucketStart()).isEqualTo(T0 + steps * halfTtl);
            assertThat(last.idealCycleMs()).isEqualTo(2_000.0);
        });
    }

    /** Issue 16, item 3: at a fresh start, the first event read must not make an earlier one within the bound late. */
    @Test
    void anEarlierEventReadSecondWithinTheBoundCountsAtAFreshStart() throws Exception {
        event(MachineEvent.count(T0 + 10_000, 5, 5));
        event(MachineEvent.state(T0 - 3_000, RUNNING));       // 13 s earlier in event time, read second

        harness.processBothWatermarks(new Watermark(T0 + MINUTE));

        assertThat(harness.getSideOutput(DeadLetters.TAG)).isNull();
        assertThat(harness.extractOutputValues()).extracting(OeeMinute::bucketStart,
                        m -> m.components().runMs(), m -> m.components().totalCount())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(T0 - MINUTE, 3_000L, 0L),
                        org.assertj.core.groups.Tuple.tuple(T0, 60_000L, 5L));
    }

    /**
     * Issue 16, item 3, as a property: the same events shuffled within the out-of-orderness bound, with the
     * watermark a bounded-out-of-orderness source would send, give exactly the minutes of the ordered run.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void eventsShuffledWithinTheBoundGiveTheMinutesOfTheOrderedRun(long seed) throws Exception {
        Random random = new Random(seed);
        List<MachineEvent> events = randomMachine(random);
        Map<Long, OeeMinute> ordered = run(events);

        List<MachineEvent> shuffled = new ArrayList<>(events);
        Map<MachineEvent, Long> arrival = new java.util.IdentityHashMap<>();
        shuffled.forEach(event -> arrival.put(event, event.ts() + (long) (random.nextDouble() * OUT_OF_ORDERNESS)));
        shuffled.sort(Comparator.comparingLong(arrival::get));
        harness = harness();
        harness.open();

        assertThat(run(shuffled)).isEqualTo(ordered);
        assertThat(harness.getSideOutput(DeadLetters.TAG)).isNull();
    }

    /**
     * Each minute's stops sum to its idle and down time, whatever the order the events came in, and every row a
     * minute was last written with is consistent with that.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void everyMinutesStopsSumToItsIdleAndDownTime(long seed) throws Exception {
        run(randomMachine(new Random(seed)));

        assertThat(harness.extractOutputValues()).isNotEmpty().allSatisfy(minute ->
                assertThat(minute.stops().stream().mapToLong(StopMinute::ms).sum())
                        .isEqualTo(minute.times().idleMs() + minute.times().downMs()));
    }

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 50);
    }

    /**
     * Feeds the events in the given order, the watermark trailing the newest by the bound; the last row per minute,
     * with each of its stops as the stops table would hold it: as it was written last, by any minute.
     */
    private Map<Long, OeeMinute> run(List<MachineEvent> arrivalOrder) throws Exception {
        settings(T0 - MINUTE, 1.5);
        long newest = Long.MIN_VALUE;
        for (MachineEvent event : arrivalOrder) {
            event(event);
            newest = Math.max(newest, event.ts());
            harness.processBothWatermarks(new Watermark(newest - OUT_OF_ORDERNESS - 1));
        }
        harness.processBothWatermarks(new Watermark(newest + 2 * MINUTE));
        Map<Long, OeeMinute> lastPerMinute = new TreeMap<>();
        Map<Long, StopMinute> lastPerStop = new HashMap<>();
        for (OeeMinute minute : harness.extractOutputValues()) {
            lastPerMinute.put(minute.bucketStart(), minute);
            minute.stops().forEach(stop -> lastPerStop.put(stop.startedAt(), stop));
        }
        lastPerMinute.replaceAll((bucket, minute) -> new OeeMinute(minute.orgSlug(), minute.deviceId(), bucket,
                minute.times(), minute.components(), minute.idealCycleMs(), minute.stops().stream()
                .map(stop -> new StopMinute(stop.startedAt(), stop.state(), stop.reason(),
                        lastPerStop.get(stop.startedAt()).endedAt(), stop.ms())).toList()));
        return lastPerMinute;
    }

    private static List<MachineEvent> randomMachine(Random random) {
        List<MachineEvent> events = new ArrayList<>();
        MachineState[] states = {RUNNING, RUNNING, IDLE, MachineState.DOWN, MachineState.PLANNED_STOP};
        // The first events straddle a minute boundary, where the order of a fresh start matters most; now and then
        // the device falls silent for about the offline time, or longer.
        for (long ts = T0 - 2_000 + random.nextInt(2_000); ts < T0 + 6 * MINUTE;
                ts += random.nextInt(12) == 0 ? 80_000 + random.nextInt(40_000) : 200 + random.nextInt(4_000)) {
            int kind = random.nextInt(4);
            if (kind == 0) {
                String[] reasons = {null, "jam", "setup"};
                events.add(MachineEvent.state(ts, states[random.nextInt(states.length)], reasons[random.nextInt(3)]));
            } else if (kind == 1) {
                events.add(MachineEvent.signOfLife(ts));
            } else {
                int total = random.nextInt(4);
                events.add(MachineEvent.count(ts, total, total == 0 ? 0 : random.nextInt(total + 1)));
            }
        }
        return events;
    }

    @Test
    void theSameStateAndReasonAgainContinueAStopAndAnotherReasonStartsANewOne() throws Exception {
        event(MachineEvent.state(T0 + 10_000, DOWN, "jam"));
        event(MachineEvent.state(T0 + 40_000, DOWN, "jam"));
        event(MachineEvent.state(T0 + 70_000, DOWN, "setup"));
        event(MachineEvent.state(T0 + 100_000, RUNNING));
        heardEvery(30_000, T0 + 20_000, T0 + 3 * MINUTE);

        harness.processBothWatermarks(new Watermark(T0 + 2 * MINUTE));

        assertThat(lastPerMinute()).extracting(OeeMinute::stops).containsExactly(
                List.of(new StopMinute(T0 + 10_000, DOWN, "jam", T0 + 70_000, 50_000)),
                List.of(new StopMinute(T0 + 10_000, DOWN, "jam", T0 + 70_000, 10_000),
                        new StopMinute(T0 + 70_000, DOWN, "setup", T0 + 100_000, 30_000)));
    }

    @Test
    void goingOfflineEndsAStopWhenLastHeardAndTheNextStateStartsANewOne() throws Exception {
        event(MachineEvent.state(T0 + 10_000, IDLE, "material"));
        event(MachineEvent.signOfLife(T0 + 30_000));                // last heard: offline from here
        event(MachineEvent.state(T0 + 200_000, IDLE, "material"));  // the same state and reason: a new stop
        heardEvery(30_000, T0 + 230_000, T0 + 5 * MINUTE);

        harness.processBothWatermarks(new Watermark(T0 + 4 * MINUTE));

        assertThat(lastPerMinute()).extracting(OeeMinute::stops).containsExactly(
                List.of(new StopMinute(T0 + 10_000, IDLE, "material", T0 + 30_000, 20_000)),
                List.of(), List.of(),
                List.of(new StopMinute(T0 + 200_000, IDLE, "material", null, 40_000)));
    }

    @Test
    void aLateStateEventThatMovesAStopsStartRewritesItsMinutesWithoutTheOldStop() throws Exception {
        event(MachineEvent.state(T0, RUNNING));
        event(MachineEvent.state(T0 + 100_000, DOWN, "jam"));
        heardEvery(20_000, T0 + 20_000, T0 + 4 * MINUTE);
        harness.processBothWatermarks(new Watermark(T0 + 3 * MINUTE));
        assertThat(lastPerMinute().get(1).stops()).extracting(StopMinute::startedAt).containsExactly(T0 + 100_000);

        event(MachineEvent.state(T0 + 70_000, DOWN, "jam"));   // 110 s late, within the allowed 2 minutes

        assertThat(lastPerMinute()).extracting(OeeMinute::stops).containsExactly(List.of(),
                List.of(new StopMinute(T0 + 70_000, DOWN, "jam", null, 50_000)),
                List.of(new StopMinute(T0 + 70_000, DOWN, "jam", null, 60_000)));
    }

    /** Signs of life (telemetry, heartbeats) every {@code stepMs} from {@code from} to before {@code to}. */
    private void heardEvery(long stepMs, long from, long to) throws Exception {
        for (long ts = from; ts < to; ts += stepMs) {
            event(MachineEvent.signOfLife(ts));
        }
    }

    /** The last row written for each minute, in minute order. */
    private List<OeeMinute> lastPerMinute() {
        Map<Long, OeeMinute> last = new TreeMap<>();
        harness.extractOutputValues().forEach(minute -> last.put(minute.bucketStart(), minute));
        return new ArrayList<>(last.values());
    }

    private void event(MachineEvent event) throws Exception {
        harness.processElement1(new MachineEventRecord("acme", "press-1", event, event.hashCode(), null), event.ts());
    }

    /**
     * What the API publishes on {@code factory.rules} for one write, in the form every version reads, through the
     * operator that reads it.
     */
    private void settings(long effectiveFrom, Double idealCycleSeconds) throws Exception {
        settingsJson((idealCycleSeconds == null ? "" : "\"idealCycleSeconds\":" + idealCycleSeconds + ",")
                + "\"effectiveFrom\":\"" + Instant.ofEpochMilli(effectiveFrom) + "\",");
    }

    private void settingsJson(String fields) throws Exception {
        String json = "{\"type\":\"device-settings\",\"orgSlug\":\"acme\",\"deviceId\":\"press-1\"," + fields
                + "\"metadata\":{}}";
        OneInputStreamOperatorTestHarness<RuleChange, MachineSettings> reader =
                ProcessFunctionTestHarnesses.forProcessFunction(new MachineSettingsReader("oee"));
        reader.processElement(new RuleChange("acme/device/press-1", json.getBytes(StandardCharsets.UTF_8), 0, 0), 0);
        for (MachineSettings setting : reader.extractOutputValues()) {
            harness.processElement2(setting, 0);
        }
    }
}
