package io.plantline.model.shifts;

import static java.time.DayOfWeek.FRIDAY;
import static java.time.DayOfWeek.MONDAY;
import static java.time.DayOfWeek.SATURDAY;
import static java.time.DayOfWeek.SUNDAY;
import static java.time.DayOfWeek.THURSDAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShiftCalendarTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final Set<DayOfWeek> WEEKDAYS = EnumSet.range(MONDAY, FRIDAY);
    private static final Shift EARLY = shift("Early", WEEKDAYS, "06:00", "14:00", pause("10:00", "10:30"));
    private static final Shift LATE = shift("Late", WEEKDAYS, "14:00", "22:00");
    private static final Shift NIGHT = shift("Night", WEEKDAYS, "22:00", "06:00", pause("02:00", "02:30"));

    @Test
    void aMinuteIsScheduledInsideAShiftAndOutsideItsBreaks() {
        ShiftCalendar twoShifts = new ShiftCalendar(List.of(EARLY, LATE), Set.of());

        assertThat(twoShifts.shiftScheduling(berlin("2026-12-07T09:59"), BERLIN)).get()
                .extracting(ShiftInstance::name, ShiftInstance::date).containsExactly("Early", LocalDate.parse("2026-12-07"));
        assertThat(twoShifts.schedules(berlin("2026-12-07T10:00"), BERLIN)).isFalse();
        assertThat(twoShifts.schedules(berlin("2026-12-07T10:29"), BERLIN)).isFalse();
        assertThat(twoShifts.schedules(berlin("2026-12-07T10:30"), BERLIN)).isTrue();
        assertThat(twoShifts.shiftScheduling(berlin("2026-12-07T14:00"), BERLIN)).get()
                .extracting(ShiftInstance::name).isEqualTo("Late");
        assertThat(twoShifts.schedules(berlin("2026-12-07T22:00"), BERLIN)).isFalse();
        assertThat(twoShifts.schedules(berlin("2026-12-07T05:59"), BERLIN)).isFalse();
        assertThat(twoShifts.schedules(berlin("2026-12-12T09:00"), BERLIN)).as("a Saturday").isFalse();
    }

    @Test
    void aNightShiftBelongsToTheDayItStartsAndBreaksAfterMidnight() {
        ShiftCalendar nights = new ShiftCalendar(List.of(NIGHT), Set.of());

        assertThat(nights.shiftScheduling(berlin("2026-12-12T05:59"), BERLIN)).get()
                .extracting(ShiftInstance::date).as("Friday's night shift, on Saturday morning")
                .isEqualTo(LocalDate.parse("2026-12-11"));
        assertThat(nights.schedules(berlin("2026-12-12T02:15"), BERLIN)).isFalse();
        assertThat(nights.schedules(berlin("2026-12-12T06:00"), BERLIN)).isFalse();
        assertThat(nights.schedules(berlin("2026-12-07T01:00"), BERLIN)).as("no shift started on Sunday").isFalse();
    }

    @Test
    void aNightAcrossADaylightSavingChangeIsAnHourShorterOrLonger() {
        Shift saturdayNight = shift("Night", Set.of(SATURDAY), "22:00", "06:00");
        ShiftCalendar nights = new ShiftCalendar(List.of(saturdayNight), Set.of());

        assertThat(scheduledMinutes(nights, berlin("2026-03-28T20:00"), Duration.ofHours(12), BERLIN)).isEqualTo(7 * 60);
        assertThat(scheduledMinutes(nights, berlin("2026-10-24T20:00"), Duration.ofHours(12), BERLIN)).isEqualTo(9 * 60);
        assertThat(scheduledMinutes(nights, berlin("2026-11-28T20:00"), Duration.ofHours(12), BERLIN)).isEqualTo(8 * 60);
    }

    @Test
    void noShiftStartsOnAHolidayButLastNightsShiftEndsOnIt() {
        ShiftCalendar christmas = new ShiftCalendar(List.of(EARLY, NIGHT), Set.of(LocalDate.parse("2026-12-25")));

        assertThat(christmas.schedules(berlin("2026-12-25T05:00"), BERLIN)).as("Thursday's night").isTrue();
        assertThat(christmas.schedules(berlin("2026-12-25T07:00"), BERLIN)).isFalse();
        assertThat(christmas.schedules(berlin("2026-12-25T23:00"), BERLIN)).isFalse();
        assertThat(christmas.shiftsStartingIn(berlin("2026-12-24T00:00"), berlin("2026-12-26T00:00"), BERLIN))
                .extracting(ShiftInstance::name, ShiftInstance::date)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("Early", LocalDate.parse("2026-12-24")),
                        org.assertj.core.groups.Tuple.tuple("Night", LocalDate.parse("2026-12-24")));
    }

    @Test
    void everyProblemIsNamedAtOnce() {
        List<Shift> broken = List.of(
                shift("Early", WEEKDAYS, "06:00", "14:00", pause("05:00", "05:30")),
                shift("Mid", WEEKDAYS, "12:00", "20:00", pause("13:00", "14:00"), pause("13:30", "13:45")),
                shift("Odd", Set.of(), "20:00:30", "21:00"),
                shift("Sunday night", Set.of(SUNDAY), "22:00", "06:00"),
                shift("Dawn", Set.of(MONDAY), "05:00", "05:30"));

        assertThat(ShiftCalendar.problemsOf(broken)).containsExactlyInAnyOrder(
                "shift Early: break 05:00-05:30 lies outside the shift 06:00-14:00",
                "shift Mid: break 13:30-13:45 overlaps another break",
                "shift Odd starts on no day",
                "shift Odd: start 20:00:30 is not a whole minute",
                "shifts Early and Mid overlap",
                "shifts Sunday night and Dawn overlap");
        assertThatThrownBy(() -> new ShiftCalendar(broken, Set.of())).isInstanceOf(IllegalArgumentException.class);
        assertThat(ShiftCalendar.problemsOf(List.of())).containsExactly("a calendar needs at least one shift");
    }

    /** Random shift lists: overlaps found as a minute-by-minute walk of the week finds them. */
    @Test
    void shiftsOverlapExactlyWhenAMinuteOfTheWeekBelongsToTwo() {
        Random random = new Random(32);
        for (int trial = 0; trial < 2000; trial++) {
            List<Shift> shifts = randomShifts(random);
            boolean overlapping = ShiftCalendar.problemsOf(shifts).stream().anyMatch(p -> p.endsWith(" overlap"));

            assertThat(overlapping).as("%s", shifts).isEqualTo(weekMinutesTakenTwice(shifts));
        }
    }

    /** Random valid calendars, in a zone without daylight saving: every minute of a week as the calendar says. */
    @Test
    void aMinuteIsScheduledExactlyWhenTheWeeksMapOfShiftsAndBreaksSaysSo() {
        Random random = new Random(2026);
        Instant monday = Instant.parse("2026-12-07T00:00:00Z");
        int calendars = 0;
        while (calendars < 60) {
            List<Shift> shifts = randomShifts(random);
            if (!ShiftCalendar.problemsOf(shifts).isEmpty()) {
                continue;
            }
            calendars++;
            ShiftCalendar calendar = new ShiftCalendar(shifts, Set.of());
            boolean[] scheduled = scheduledWeekMinutes(shifts);
            int total = 0;
            for (int minute = 0; minute < ShiftCalendar.MINUTES_PER_DAY * 7; minute++) {
                Instant at = monday.plus(Duration.ofMinutes(minute));
                assertThat(calendar.schedules(at, ZoneOffset.UTC)).as("%s at %s", shifts, at).isEqualTo(scheduled[minute]);
                total += scheduled[minute] ? 1 : 0;
            }
            long byShift = calendar.shiftsStartingIn(monday, monday.plus(Duration.ofDays(7)), ZoneOffset.UTC).stream()
                    .mapToLong(instance -> scheduledMinutes(calendar, instance))
                    .sum();
            assertThat(byShift).as("the week's shifts hold its scheduled minutes").isEqualTo(total);
        }
    }

    private static long scheduledMinutes(ShiftCalendar calendar, ShiftInstance instance) {
        return scheduledMinutes(calendar, instance.start(), Duration.between(instance.start(), instance.end()),
                ZoneOffset.UTC);
    }

    private static long scheduledMinutes(ShiftCalendar calendar, Instant from, Duration length, ZoneId zone) {
        long minutes = 0;
        for (Instant at = from; at.isBefore(from.plus(length)); at = at.plus(Duration.ofMinutes(1))) {
            minutes += calendar.schedules(at, zone) ? 1 : 0;
        }
        return minutes;
    }

    private static List<Shift> randomShifts(Random random) {
        List<Shift> shifts = new ArrayList<>();
        int count = 1 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
            Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
            for (DayOfWeek day : DayOfWeek.values()) {
                if (random.nextInt(3) == 0) {
                    days.add(day);
                }
            }
            days.add(DayOfWeek.of(1 + random.nextInt(7)));
            LocalTime start = LocalTime.of(0, 0).plusMinutes(15L * random.nextInt(96));
            int length = 15 * (1 + random.nextInt(96));
            List<ShiftBreak> breaks = new ArrayList<>();
            if (length > 60 && random.nextBoolean()) {
                int offset = 15 * random.nextInt((length - 30) / 15);
                breaks.add(new ShiftBreak(start.plusMinutes(offset), start.plusMinutes(offset + 15 + 15L * random.nextInt(2))));
            }
            shifts.add(new Shift("s" + i, days, start, start.plusMinutes(length), breaks));
        }
        return shifts;
    }

    private static boolean weekMinutesTakenTwice(List<Shift> shifts) {
        int[] takers = new int[ShiftCalendar.MINUTES_PER_DAY * 7];
        for (Shift shift : shifts) {
            for (int minute : weekMinutesOf(shift)) {
                if (++takers[minute] > 1) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean[] scheduledWeekMinutes(List<Shift> shifts) {
        boolean[] scheduled = new boolean[ShiftCalendar.MINUTES_PER_DAY * 7];
        for (Shift shift : shifts) {
            for (int minute : weekMinutesOf(shift)) {
                scheduled[minute] = true;
            }
            for (DayOfWeek day : shift.days()) {
                int shiftStart = (day.getValue() - 1) * ShiftCalendar.MINUTES_PER_DAY + ShiftCalendar.minuteOfDay(shift.start());
                for (ShiftBreak pause : shift.breaks()) {
                    int from = shiftStart + ShiftCalendar.minutesBetween(shift.start(), pause.start());
                    for (int m = 0; m < ShiftCalendar.minutesFrom(pause.start(), pause.end()); m++) {
                        scheduled[(from + m) % scheduled.length] = false;
                    }
                }
            }
        }
        return scheduled;
    }

    private static List<Integer> weekMinutesOf(Shift shift) {
        List<Integer> minutes = new ArrayList<>();
        for (DayOfWeek day : shift.days()) {
            int start = (day.getValue() - 1) * ShiftCalendar.MINUTES_PER_DAY + ShiftCalendar.minuteOfDay(shift.start());
            for (int m = 0; m < ShiftCalendar.minutesFrom(shift.start(), shift.end()); m++) {
                minutes.add((start + m) % (ShiftCalendar.MINUTES_PER_DAY * 7));
            }
        }
        return minutes;
    }

    private static Instant berlin(String localDateTime) {
        return LocalDateTime.parse(localDateTime).atZone(BERLIN).toInstant();
    }

    private static Shift shift(String name, Set<DayOfWeek> days, String start, String end, ShiftBreak... breaks) {
        return new Shift(name, days, LocalTime.parse(start), LocalTime.parse(end), List.of(breaks));
    }

    private static ShiftBreak pause(String start, String end) {
        return new ShiftBreak(LocalTime.parse(start), LocalTime.parse(end));
    }
}
