package io.plantline.pipeline.oee;

import static io.plantline.model.MachineState.DOWN;
import static io.plantline.model.MachineState.IDLE;
import static io.plantline.model.MachineState.PLANNED_STOP;
import static io.plantline.model.MachineState.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.MachineState;
import io.plantline.model.shifts.CalendarSchedule;
import io.plantline.model.shifts.Shift;
import io.plantline.model.shifts.ShiftBreak;
import io.plantline.model.shifts.ShiftCalendar;
import io.plantline.model.shifts.ShiftInstance;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 32's property: random state sequences with reasons and counts under random shift calendars (shifts per
 * weekday, some across midnight, with breaks; holidays; a calendar that starts, changes or ends at a random time),
 * in zones with and without daylight saving, over ranges across midnights and daylight-saving changes. Each minute is
 * scheduled as {@link CalendarByHand} reads the calendar, and the sums every answer of the contract is made of equal
 * those of a walk of the same events by hand, so the loss identity holds exactly and MTBF, MTTR, utilisation and
 * TEEP are the figures by hand. A failure names its seed; {@code -Doee.seed=N} replays that seed alone.
 */
class MinuteAccountingUnderRandomCalendarsTest {

    private static final long MIN = MinuteAccounting.MINUTE_MS;
    private static final List<ZoneId> ZONES = Stream.of("Europe/Berlin", "America/New_York", "Australia/Sydney",
            "Asia/Kolkata").map(ZoneId::of).toList();
    private static final String[] REASONS = {null, "jam", "tool_change", "no_material"};
    private static final Instant YEAR = Instant.parse("2026-01-01T00:00:00Z");

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void minutesAreScheduledByTheCalendarAndTheLossesAndReliabilityAreTheFiguresByHand(long seed) {
        Random random = new Random(seed);
        Range range = randomRange(random);
        List<CalendarSchedule.Period> periods = randomPeriods(random, range);
        CalendarByHand calendar = new CalendarByHand(periods, range.from(), range.to());
        Machine machine = randomMachine(random, range);
        String what = "seed " + seed + ", " + range;

        List<OeeMinute> minutes = MinuteAccounting.minutes("acme", "press-1", machine.start(), machine.events(),
                List.of(), machine.ideal(), CalendarSchedule.of(periods), range.fromMs(), range.toMs());

        assertThat(minutes.stream().filter(minute -> minute.times().scheduled()
                != calendar.schedules(Instant.ofEpochMilli(minute.bucketStart())))
                .map(minute -> Instant.ofEpochMilli(minute.bucketStart()) + " scheduled " + minute.times().scheduled()))
                .as("%s: minutes scheduled otherwise than by hand", what).isEmpty();
        Figures stored = Figures.of(minutes, range);
        Figures byHand = new HandWalk(machine, calendar, range).figures();
        assertThat(stored).as(what).isEqualTo(byHand);
        assertThat(stored.plannedMs() - stored.goodIdealMs()).as("%s: planned - goodIdeal = stop + speed + quality losses", what)
                .isEqualTo(stored.stopLossMs() + (stored.runMs() - stored.idealMs()) + (stored.idealMs() - stored.goodIdealMs()));
        assertThat(stored.mtbfMs()).as(what).isEqualTo(byHand.mtbfMs());
        assertThat(stored.mttrMs()).as(what).isEqualTo(byHand.mttrMs());
        assertThat(stored.teep()).as(what).isEqualTo(byHand.teep());
        assertThat(stored.utilisation()).as(what).isEqualTo(byHand.utilisation());
    }

    /** The shift instances the answers by shift cover: each started in the range, by the calendar in force then. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void theShiftsStartingInARangeAreTheCalendarsByHand(long seed) {
        Random random = new Random(seed);
        Range range = randomRange(random);
        List<CalendarSchedule.Period> periods = randomPeriods(random, range);

        List<ShiftInstance> shifts = CalendarSchedule.of(periods).shiftsStartingIn(range.from(), range.to());

        assertThat(shifts.stream().map(shift -> describe(shift.name(), shift.date(), shift.start(), shift.end(),
                shift.breaks().stream().map(pause -> new Instant[] {pause.start(), pause.end()}).toList())))
                .as("seed %d, %s", seed, range)
                .containsExactlyElementsOf(new CalendarByHand(periods, range.from(), range.to())
                        .startingIn(range.from(), range.to()).stream()
                        .map(shift -> describe(shift.name(), shift.date(), shift.start(), shift.end(), shift.breaks()))
                        .toList());
    }

    /** Seeds 1 to 200, or the one {@code -Doee.seed=N} names, to replay a failure alone. */
    static LongStream seeds() {
        String replay = System.getProperty("oee.seed");
        return replay == null ? LongStream.rangeClosed(1, 200) : LongStream.of(Long.parseLong(replay));
    }

    private static String describe(String name, LocalDate date, Instant start, Instant end, List<Instant[]> breaks) {
        return name + " of " + date + " " + start + "-" + end + " breaks "
                + breaks.stream().map(pause -> pause[0] + "-" + pause[1]).collect(Collectors.joining(", "));
    }

    /** {@code [from, to)} of whole minutes, in an organisation's zone. */
    private record Range(ZoneId zone, Instant from, Instant to) {

        long fromMs() {
            return from.toEpochMilli();
        }

        long toMs() {
            return to.toEpochMilli();
        }
    }

    /**
     * 2 to 36 hours around a daylight-saving change of the zone, or around a local midnight in a zone without one
     * (and now and then in one with one).
     */
    private static Range randomRange(Random random) {
        ZoneId zone = ZONES.get(random.nextInt(ZONES.size()));
        Instant day = YEAR.plusSeconds(86_400L * random.nextInt(365));
        ZoneOffsetTransition change = zone.getRules().nextTransition(day);
        Instant anchor = change != null && change.getInstant().isBefore(YEAR.plusSeconds(2 * 366 * 86_400L))
                && random.nextInt(4) > 0 ? change.getInstant()
                : day.atZone(zone).toLocalDate().atStartOfDay(zone).toInstant();
        long fromMs = MinuteAccounting.bucketOf(anchor.toEpochMilli() - random.nextInt(24 * 60) * MIN);
        return new Range(zone, Instant.ofEpochMilli(fromMs), Instant.ofEpochMilli(fromMs + (120 + random.nextInt(34 * 60)) * MIN));
    }

    /**
     * A calendar from a random time (not a whole minute) near the range's start, then now and then another one, or
     * none, from a random later time.
     */
    private static List<CalendarSchedule.Period> randomPeriods(Random random, Range range) {
        long length = range.toMs() - range.fromMs();
        long first = range.fromMs() - 2 * 60 * MIN + (long) (random.nextDouble() * (length / 2 + 2 * 60 * MIN));
        List<CalendarSchedule.Period> periods = new ArrayList<>();
        periods.add(new CalendarSchedule.Period(Instant.ofEpochMilli(first), range.zone(),
                Optional.of(randomCalendar(random, range))));
        if (random.nextBoolean()) {
            long second = first + 1 + (long) (random.nextDouble() * (range.toMs() - first));
            periods.add(new CalendarSchedule.Period(Instant.ofEpochMilli(second), range.zone(),
                    random.nextInt(3) == 0 ? Optional.empty() : Optional.of(randomCalendar(random, range))));
        }
        return periods;
    }

    /** One to three shifts that do not overlap, and holidays among the range's local dates. */
    private static ShiftCalendar randomCalendar(Random random, Range range) {
        List<Shift> shifts;
        do {
            shifts = new ArrayList<>();
            for (int i = 0, count = 1 + random.nextInt(3); i < count; i++) {
                shifts.add(randomShift(random, "s" + i));
            }
        } while (!ShiftCalendar.problemsOf(shifts).isEmpty());
        Set<LocalDate> holidays = new HashSet<>();
        LocalDate last = range.to().atZone(range.zone()).toLocalDate();
        for (LocalDate date = range.from().atZone(range.zone()).toLocalDate().minusDays(1); !date.isAfter(last);
                date = date.plusDays(1)) {
            if (random.nextInt(4) == 0) {
                holidays.add(date);
            }
        }
        return new ShiftCalendar(shifts, holidays);
    }

    /** Some days of the week; a start and an end; up to two breaks inside it that do not overlap. */
    private static Shift randomShift(Random random, String name) {
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (DayOfWeek day : DayOfWeek.values()) {
            if (random.nextInt(3) > 0) {
                days.add(day);
            }
        }
        days.add(DayOfWeek.of(1 + random.nextInt(7)));
        int grain = random.nextBoolean() ? 15 : 1;
        LocalTime start = randomTime(random, grain);
        int length = minutesFrom(start, randomTime(random, grain));
        List<ShiftBreak> breaks = new ArrayList<>();
        int offset = 0;
        for (int i = 0, count = random.nextInt(3); i < count && offset < length - 1; i++) {
            int pauseStart = offset + random.nextInt(length - offset - 1);
            int pauseEnd = pauseStart + 1 + random.nextInt(Math.min(60, length - pauseStart));
            breaks.add(new ShiftBreak(start.plusMinutes(pauseStart), start.plusMinutes(pauseEnd)));
            offset = pauseEnd;
        }
        return new Shift(name, days, start, start.plusMinutes(length), breaks);
    }

    /**
     * On the quarter hour or any minute; often between 01:00 and 04:00, where the zones' clocks skip or repeat an
     * hour, so that shifts start and end in the skipped and repeated times.
     */
    private static LocalTime randomTime(Random random, int grain) {
        int minute = random.nextBoolean() ? 60 + random.nextInt(3 * 60) : random.nextInt(24 * 60);
        return LocalTime.MIDNIGHT.plusMinutes(minute / grain * grain);
    }

    /** Minutes of the clock from {@code start} on to {@code end}, a whole day when they are equal. */
    private static int minutesFrom(LocalTime start, LocalTime end) {
        int minutes = Math.floorMod(end.toSecondOfDay() / 60 - start.toSecondOfDay() / 60, 24 * 60);
        return minutes == 0 ? 24 * 60 : minutes;
    }

    /** What the machine knows at the range's start, its events in it, and its ideal cycle times. */
    private record Machine(MinuteAccounting.Start start, List<MachineEvent> events, IdealCycleHistory ideal,
                           TreeMap<Long, Double> idealFrom) {

        double idealAt(long ts) {
            return idealFrom.floorEntry(ts).getValue();
        }
    }

    /**
     * Unknown at first, or in a random state since before the range; then states with reasons (now and then the same
     * again, which continues a stop) and counts; an ideal cycle time of whole milliseconds, changed now and then.
     */
    private static Machine randomMachine(Random random, Range range) {
        MinuteAccounting.Start start = MinuteAccounting.Start.UNKNOWN;
        if (random.nextBoolean()) {
            MachineState state = MachineState.values()[random.nextInt(4)];
            start = new MinuteAccounting.Start(state, REASONS[random.nextInt(REASONS.length)],
                    MinuteAccounting.isStop(state) ? range.fromMs() - 1 - random.nextInt(600_000) : null, true);
        }
        TreeMap<Long, Double> idealFrom = new TreeMap<>(Map.of(Long.MIN_VALUE, 500.0 + random.nextInt(3_000)));
        if (random.nextBoolean()) {
            idealFrom.put(range.fromMs() + (long) (random.nextDouble() * (range.toMs() - range.fromMs())),
                    500.0 + random.nextInt(3_000));
        }
        IdealCycleHistory ideal = new IdealCycleHistory();
        idealFrom.forEach((from, ms) -> ideal.set(from, ms));
        List<MachineEvent> events = new ArrayList<>();
        MachineState state = start.state();
        String reason = start.reason();
        for (long ts = range.fromMs() + random.nextInt(120_000); ts < range.toMs();
                ts += 1 + random.nextInt(random.nextInt(4) == 0 ? 60_000 : 30 * 60_000)) {
            if (random.nextInt(3) == 0) {
                long total = random.nextInt(30);
                events.add(MachineEvent.count(ts, total, random.nextInt((int) total + 1)));
                continue;
            }
            if (state == null || random.nextInt(4) > 0) {
                state = MachineState.values()[random.nextInt(4)];
                reason = REASONS[random.nextInt(REASONS.length)];
            }
            events.add(MachineEvent.state(ts, state, reason));
        }
        return new Machine(start, events, ideal, idealFrom);
    }

    /**
     * The sums every answer over the range is made of, as the contract defines them: planned and run time, overtime,
     * known time, the ideal and good ideal time of scheduled minutes (the sums of OEE and the losses, which TEEP
     * divides by known time: OEE x utilisation), each reason's stop time in scheduled minutes,
     * the stops (start, state, reason, end) and the {@code DOWN} stops that began in the range, with the number and
     * summed duration of those that ended in it too.
     */
    private record Figures(long plannedMs, long runMs, long unscheduledRunMs, long knownMs, double idealMs,
                           double goodIdealMs, Map<String, Long> lostMsByReason, Set<String> stops, long downStops,
                           long endedDownStops, long endedDownMs) {

        /** From the minutes as the job stores them. */
        static Figures of(List<OeeMinute> minutes, Range range) {
            Sums sums = new Sums();
            Map<Long, StopMinute> stops = new TreeMap<>();
            for (OeeMinute minute : minutes) {
                MinuteTimes times = minute.times();
                sums.plannedMs += minute.components().plannedMs();
                sums.runMs += minute.components().runMs();
                sums.unscheduledRunMs += times.unscheduledRunMs();
                sums.knownMs += times.knownMs();
                for (StopMinute stop : minute.stops()) {
                    stops.put(stop.startedAt(), stop);
                    if (times.scheduled()) {
                        sums.lost(stop.reason(), stop.ms());
                    }
                }
                if (times.scheduled()) {
                    sums.idealMs += minute.components().idealMs();
                    sums.goodIdealMs += minute.components().goodIdealMs();
                }
            }
            stops.values().forEach(stop -> sums.stop(stop.startedAt(), stop.state(), stop.reason(), stop.endedAt(), range));
            return sums.figures();
        }

        long stopLossMs() {
            return lostMsByReason.values().stream().mapToLong(Long::longValue).sum();
        }

        Double mtbfMs() {
            return downStops == 0 ? null : (double) runMs / downStops;
        }

        Double mttrMs() {
            return endedDownStops == 0 ? null : (double) endedDownMs / endedDownStops;
        }

        Double utilisation() {
            return knownMs == 0 ? null : (double) plannedMs / knownMs;
        }

        Double teep() {
            return knownMs == 0 ? null : goodIdealMs / knownMs;
        }
    }

    /** {@link Figures} while they are summed. */
    private static final class Sums {
        long plannedMs;
        long runMs;
        long unscheduledRunMs;
        long knownMs;
        double idealMs;
        double goodIdealMs;
        final Map<String, Long> lostMsByReason = new TreeMap<>();
        final Set<String> stops = new HashSet<>();
        long downStops;
        long endedDownStops;
        long endedDownMs;

        void lost(String reason, long ms) {
            if (ms > 0) {
                lostMsByReason.merge(String.valueOf(reason), ms, Long::sum);
            }
        }

        void stop(long startedAt, MachineState state, String reason, Long endedAt, Range range) {
            stops.add(startedAt + " " + state + " " + reason + " until " + endedAt);
            if (state == DOWN && startedAt >= range.fromMs() && startedAt < range.toMs()) {
                downStops++;
                if (endedAt != null) {
                    endedDownStops++;
                    endedDownMs += endedAt - startedAt;
                }
            }
        }

        Figures figures() {
            return new Figures(plannedMs, runMs, unscheduledRunMs, knownMs, idealMs, goodIdealMs,
                    Map.copyOf(lostMsByReason), Set.copyOf(stops), downStops, endedDownStops, endedDownMs);
        }
    }

    /**
     * The same events walked by hand: each span between two of them spent in the state before, minute by minute,
     * scheduled or not as {@link CalendarByHand} says; counts valued at the ideal cycle time in force; a stop
     * begun by an {@code IDLE} or {@code DOWN} state unless it repeats the stop's state and reason, ended by any other.
     */
    private static final class HandWalk {
        private final Sums sums = new Sums();
        private final Range range;
        private final boolean[] scheduled;

        HandWalk(Machine machine, CalendarByHand calendar, Range range) {
            this.range = range;
            int count = (int) ((range.toMs() - range.fromMs()) / MIN);
            scheduled = new boolean[count];
            for (int i = 0; i < count; i++) {
                scheduled[i] = calendar.schedules(Instant.ofEpochMilli(range.fromMs() + i * MIN));
            }
            MachineState state = machine.start().state();
            String reason = machine.start().reason();
            Long stopStart = machine.start().stopStartedAt();
            long since = range.fromMs();
            for (MachineEvent event : machine.events()) {
                spend(since, event.ts(), state, reason);
                since = event.ts();
                if (!event.isStateChange()) {
                    if (isScheduled(event.ts())) {
                        sums.idealMs += event.total() * machine.idealAt(event.ts());
                        sums.goodIdealMs += event.good() * machine.idealAt(event.ts());
                    }
                    continue;
                }
                boolean continues = stopStart != null && event.state() == state
                        && Objects.equals(event.reason(), reason);
                if (!continues) {
                    if (stopStart != null) {
                        sums.stop(stopStart, state, reason, event.ts(), range);
                    }
                    stopStart = MinuteAccounting.isStop(event.state()) ? event.ts() : null;
                }
                state = event.state();
                reason = event.reason();
            }
            spend(since, range.toMs(), state, reason);
            if (stopStart != null) {
                sums.stop(stopStart, state, reason, null, range);
            }
        }

        Figures figures() {
            return sums.figures();
        }

        private boolean isScheduled(long ts) {
            return scheduled[(int) ((MinuteAccounting.bucketOf(ts) - range.fromMs()) / MIN)];
        }

        /** {@code [from, until)} in {@code state} (none: unknown), cut at minute boundaries. */
        private void spend(long from, long until, MachineState state, String reason) {
            if (state == null) {
                return;
            }
            for (long at = from; at < until; at = MinuteAccounting.bucketOf(at) + MIN) {
                long ms = Math.min(until, MinuteAccounting.bucketOf(at) + MIN) - at;
                boolean inShift = isScheduled(at);
                sums.knownMs += ms;
                if (state == RUNNING && inShift) {
                    sums.runMs += ms;
                } else if (state == RUNNING) {
                    sums.unscheduledRunMs += ms;
                }
                if (inShift && state != PLANNED_STOP) {
                    sums.plannedMs += ms;
                }
                if (inShift && (state == IDLE || state == DOWN)) {
                    sums.lost(reason, ms);
                }
            }
        }
    }
}
