package io.plantline.pipeline.oee;

import static io.plantline.model.MachineState.DOWN;
import static io.plantline.model.MachineState.IDLE;
import static io.plantline.model.MachineState.PLANNED_STOP;
import static io.plantline.model.MachineState.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.plantline.model.MachineState;
import io.plantline.model.shifts.CalendarSchedule;
import io.plantline.model.shifts.Shift;
import io.plantline.model.shifts.ShiftBreak;
import io.plantline.model.shifts.ShiftCalendar;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hand-computed minutes for each clause of the OEE contract, and properties over random event streams. */
class MinuteAccountingTest {

    private static final long T0 = 1_795_420_800_000L;   // a minute boundary
    private static final long MIN = MinuteAccounting.MINUTE_MS;

    @Test
    void aMinuteOutsideTheCalendarHasNoPlannedTimeAndItsRunningIsOvertime() {
        // T0 is 08:00 UTC; a calendar of one shift 08:01-08:03 UTC every day with a break 08:02-08:03
        Shift shift = new Shift("Early", EnumSet.allOf(DayOfWeek.class), LocalTime.of(8, 1), LocalTime.of(8, 3),
                List.of(new ShiftBreak(LocalTime.of(8, 2), LocalTime.of(8, 3))));
        CalendarSchedule calendar = CalendarSchedule.of(List.of(new CalendarSchedule.Period(Instant.ofEpochMilli(T0),
                ZoneOffset.UTC, Optional.of(new ShiftCalendar(List.of(shift), Set.of())))));

        List<OeeMinute> minutes = MinuteAccounting.minutes("acme", "press-1", since(RUNNING), List.of(
                MachineEvent.state(T0 + MIN + 20_000, DOWN), MachineEvent.state(T0 + MIN + 50_000, PLANNED_STOP),
                MachineEvent.state(T0 + 2 * MIN, RUNNING)), List.of(), new IdealCycleHistory(), calendar, T0, T0 + 3 * MIN);

        assertThat(minutes).extracting(OeeMinute::times).containsExactly(
                new MinuteTimes(60_000, 60_000, 0, 0, 0, false),
                new MinuteTimes(60_000, 20_000, 0, 30_000, 10_000, true),
                new MinuteTimes(60_000, 60_000, 0, 0, 0, false));
        assertThat(minutes).extracting(minute -> minute.components().plannedMs(), minute -> minute.components().runMs(),
                minute -> minute.times().unscheduledRunMs()).containsExactly(
                tuple(0L, 0L, 60_000L), tuple(50_000L, 20_000L, 0L), tuple(0L, 0L, 60_000L));
    }

    @Test
    void aMachineThatReportsRunningOnceRunsInEveryMinuteAfter() {
        List<OeeMinute> hour = minutes(null, List.of(MachineEvent.state(T0, RUNNING)), new IdealCycleHistory(), 60);

        assertThat(hour).hasSize(60).allSatisfy(minute -> {
            assertThat(minute.components().plannedMs()).isEqualTo(60_000);
            assertThat(minute.components().runMs()).isEqualTo(60_000);
        });
    }

    @Test
    void timeBeforeTheFirstStateEventCountsNowhere() {
        List<OeeMinute> minutes = minutes(null, List.of(MachineEvent.state(T0 + 90_000, RUNNING)), new IdealCycleHistory(), 3);

        assertThat(minutes).extracting(OeeMinute::bucketStart).containsExactly(T0 + MIN, T0 + 2 * MIN);
        assertThat(minutes.get(0).components().plannedMs()).isEqualTo(30_000);
    }

    @Test
    void stateChangesInsideAMinuteSplitItsTime() {
        List<OeeMinute> minutes = minutes(null, List.of(
                MachineEvent.state(T0 + 10_000, RUNNING),
                MachineEvent.state(T0 + 40_000, IDLE),
                MachineEvent.state(T0 + 50_000, DOWN)), new IdealCycleHistory(), 1);

        OeeComponents minute = minutes.get(0).components();
        assertThat(minute.plannedMs()).isEqualTo(50_000);
        assertThat(minute.runMs()).isEqualTo(30_000);
        assertThat(minute.availability()).isEqualTo(0.6);
    }

    @Test
    void aPlannedStopIsNotPlannedTimeAndAMinuteWithoutPlannedTimeHasNoAvailability() {
        List<OeeMinute> minutes = minutes(RUNNING, List.of(MachineEvent.state(T0 + 30_000, PLANNED_STOP)),
                new IdealCycleHistory(), 2);

        assertThat(minutes.get(0).components().plannedMs()).isEqualTo(30_000);
        assertThat(minutes.get(0).components().availability()).isEqualTo(1.0);
        assertThat(minutes.get(1).components().plannedMs()).isZero();
        assertThat(minutes.get(1).components().availability()).isNull();
        assertThat(minutes.get(1).components().oee()).isNull();
    }

    @Test
    void aMachineThatRunsAndMakesNothingHasZeroPerformanceAndOeeAndNoQuality() {
        OeeComponents minute = minutes(RUNNING, List.of(), new IdealCycleHistory().set(0, 1_000.0), 1).get(0).components();

        assertThat(minute.performance()).isZero();
        assertThat(minute.oee()).isZero();
        assertThat(minute.quality()).isNull();
    }

    @Test
    void performanceAboveOneIsKeptAndFlagged() {
        OeeMinute minute = minutes(RUNNING, List.of(MachineEvent.count(T0 + 30_000, 40, 38)),
                new IdealCycleHistory().set(0, 2_000.0), 1).get(0);

        assertThat(minute.components().performance()).isCloseTo(80_000.0 / 60_000, within(1e-12));
        assertThat(minute.components().performanceAboveOne()).isTrue();
        assertThat(minute.idealCycleMs()).isEqualTo(2_000);
        assertThat(minute.components().oee()).isCloseTo(38 * 2_000 / 60_000.0, within(1e-12));
    }

    @Test
    void aNewIdealCycleTimeAppliesFromItsEffectiveTimeNotBefore() {
        IdealCycleHistory ideal = new IdealCycleHistory().set(0, 1_000.0).set(T0 + 30_000, 2_000.0);
        OeeMinute minute = minutes(RUNNING, List.of(MachineEvent.count(T0 + 20_000, 10, 10),
                MachineEvent.count(T0 + 45_000, 10, 5)), ideal, 1).get(0);

        assertThat(minute.components().idealMs()).isEqualTo(10 * 1_000 + 10 * 2_000);
        assertThat(minute.components().goodIdealMs()).isEqualTo(10 * 1_000 + 5 * 2_000);
        assertThat(minute.idealCycleMs()).isEqualTo(1_500);   // ideal_ms = ideal_cycle_ms x total_count
        assertThat(minute.components().quality()).isCloseTo(20_000.0 / 30_000, within(1e-12));
    }

    @Test
    void withoutAnIdealCycleTimePerformanceAndOeeAreUnknownButQualityIsNot() {
        OeeMinute minute = minutes(RUNNING, List.of(MachineEvent.count(T0 + 5_000, 10, 9)), new IdealCycleHistory(), 1)
                .get(0);

        assertThat(minute.components().performance()).isNull();
        assertThat(minute.components().oee()).isNull();
        assertThat(minute.components().quality()).isEqualTo(0.9);
        assertThat(minute.idealCycleMs()).isNull();
    }

    /**
     * Random state changes, counts and signs of life with random silences, some long enough to be offline: every
     * minute keeps known = run + unscheduled run + idle + down + planned stop and gives its idle and down time to its
     * stops, and the time in each state matches a model that walks the stream millisecond by millisecond.
     */
    @Test
    void randomSilencesKeepTheIdentityAndMatchAMillisecondByMillisecondModel() {
        long offlineAfter = 90_000;
        Random random = new Random(13);
        for (int run = 0; run < 40; run++) {
            long end = T0 + 20 * MIN;
            long horizon = end + random.nextInt(120_000);   // the watermark: the last silence may not be over yet
            List<MachineEvent> stream = new ArrayList<>();
            for (long ts = T0 + random.nextInt(30_000); ts < end;
                    ts += random.nextInt(8) == 0 ? 60_000 + random.nextInt(90_000) : 1 + random.nextInt(20_000)) {
                int kind = random.nextInt(3);
                stream.add(kind == 0 ? MachineEvent.state(ts, MachineState.values()[random.nextInt(4)],
                        random.nextBoolean() ? null : "jam")
                        : kind == 1 ? MachineEvent.count(ts, 1, 1) : MachineEvent.signOfLife(ts));
            }
            HeardTimes heard = HeardTimes.of(null);
            stream.forEach(event -> heard.add(event.ts()));
            List<MachineEvent> events = stream.stream().filter(event -> !event.signOfLife()).toList();

            List<OeeMinute> minutes = MinuteAccounting.minutes("acme", "press-1", MinuteAccounting.Start.UNKNOWN,
                    events, heard.offlineFrom(null, horizon, offlineAfter), new IdealCycleHistory(),
                    CalendarSchedule.EVERY_MINUTE, T0, end);

            long[] storedIn = new long[MachineState.values().length];
            for (OeeMinute minute : minutes) {
                MinuteTimes times = minute.times();
                assertThat(times.knownMs()).isEqualTo(minute.components().runMs() + times.unscheduledRunMs()
                        + times.idleMs() + times.downMs() + times.plannedStopMs());
                assertThat(minute.stops().stream().mapToLong(StopMinute::ms).sum())
                        .isEqualTo(times.idleMs() + times.downMs());
                storedIn[RUNNING.ordinal()] += times.runMs();
                storedIn[IDLE.ordinal()] += times.idleMs();
                storedIn[DOWN.ordinal()] += times.downMs();
                storedIn[PLANNED_STOP.ordinal()] += times.plannedStopMs();
            }
            assertThat(storedIn).as("run %d", run).containsExactly(millisecondModel(stream, offlineAfter, horizon, end));
        }
    }

    /**
     * The offline rule read literally: at each millisecond apply the state events of that millisecond; if the device
     * was heard then and then not again for {@code offlineAfter} (or not before the horizon, once the horizon is past
     * that), its state is unknown from then until a state event.
     */
    private static long[] millisecondModel(List<MachineEvent> stream, long offlineAfter, long horizon, long end) {
        long[] in = new long[MachineState.values().length];
        java.util.TreeSet<Long> heard = new java.util.TreeSet<>();
        stream.forEach(event -> heard.add(event.ts()));
        MachineState state = null;
        int next = 0;
        for (long t = T0; t < end; t++) {
            for (; next < stream.size() && stream.get(next).ts() == t; next++) {
                state = stream.get(next).isStateChange() ? stream.get(next).state() : state;
            }
            if (heard.contains(t)) {
                Long after = heard.higher(t);
                if (after != null ? after - t >= offlineAfter : horizon >= t + offlineAfter) {
                    state = null;
                }
            }
            if (state != null) {
                in[state.ordinal()]++;
            }
        }
        return in;
    }

    @Test
    void randomStreamsKeepTheContractsIdentities() {
        Random random = new Random(11);
        for (int run = 0; run < 500; run++) {
            List<MachineEvent> events = new ArrayList<>();
            long ts = T0 + random.nextInt(120_000);
            IdealCycleHistory ideal = new IdealCycleHistory();
            if (random.nextBoolean()) {
                ideal.set(T0 - 1, 500.0 + random.nextInt(3_000));
            }
            ideal.set(T0 + random.nextInt(30 * 60_000), 500.0 + random.nextInt(3_000));
            long expectedPlanned = 0;
            MachineState state = null;
            long since = 0;
            long end = T0 + 30 * MIN;
            while (ts < end) {
                if (random.nextInt(3) == 0) {
                    long total = random.nextInt(20);
                    events.add(MachineEvent.count(ts, total, total == 0 ? 0 : random.nextInt((int) total + 1)));
                } else {
                    expectedPlanned += state == null || state == PLANNED_STOP ? 0 : ts - since;
                    state = MachineState.values()[random.nextInt(4)];
                    since = ts;
                    events.add(MachineEvent.state(ts, state));
                }
                ts += 1 + random.nextInt(90_000);
            }
            expectedPlanned += state == null || state == PLANNED_STOP ? 0 : end - since;

            List<OeeMinute> minutes = MinuteAccounting.minutes("acme", "press-1", MinuteAccounting.Start.UNKNOWN, events,
                    List.of(), ideal, CalendarSchedule.EVERY_MINUTE, T0, end);
            OeeComponents sum = minutes.stream().map(OeeMinute::components).reduce(OeeComponents.NONE, OeeComponents::plus);

            assertThat(sum.plannedMs()).isEqualTo(expectedPlanned);
            assertThat(sum.totalCount()).isEqualTo(events.stream().mapToLong(MachineEvent::total).sum());
            for (OeeMinute minute : minutes) {
                assertIdentities(minute.components());
                assertThat(minute.components().plannedMs()).isBetween(0L, 60_000L);
                assertThat(minute.components().runMs()).isLessThanOrEqualTo(minute.components().plannedMs());
            }
            assertIdentities(sum);
        }
    }

    private static void assertIdentities(OeeComponents components) {
        Double a = components.availability();
        Double p = components.performance();
        Double q = components.quality();
        Double oee = components.oee();
        if (a != null && p != null && q != null) {
            assertThat(oee).isCloseTo(a * p * q, within(1e-9 * Math.max(1, oee)));
        }
    }

    /** In {@code state} without a reason since before {@link #T0}. */
    private static MinuteAccounting.Start since(MachineState state) {
        return new MinuteAccounting.Start(state, null, MinuteAccounting.isStop(state) ? T0 - MIN : null, state != null);
    }

    private static List<OeeMinute> minutes(MachineState stateAtStart, List<MachineEvent> events,
                                           IdealCycleHistory ideal, int count) {
        return MinuteAccounting.minutes("acme", "press-1", since(stateAtStart), events, List.of(),
                ideal, CalendarSchedule.EVERY_MINUTE, T0, T0 + count * MIN);
    }
}
