package io.plantline.model.shifts;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * When a plant means to produce: its shifts, each on some days of the week, with breaks, and the holidays on which no
 * shift starts. Times are whole minutes of the organisation's local clock; a local time that a daylight-saving change
 * skips is read as the same time after the change, and one that it repeats as its first occurrence, so a night shift
 * across the change is an hour shorter or longer in real time.
 *
 * <p>A calendar is valid or cannot be built: {@link #problemsOf} lists every problem at once (for the API's
 * {@code details}), and the constructor refuses a calendar that has any.
 */
public record ShiftCalendar(List<Shift> shifts, Set<LocalDate> holidays) {

    static final int MINUTES_PER_DAY = 24 * 60;
    private static final int MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
    private static final int MAX_NAME_CHARS = 64;

    public ShiftCalendar {
        shifts = List.copyOf(shifts);
        holidays = holidays == null ? Set.of() : Set.copyOf(holidays);
        List<String> problems = problemsOf(shifts);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid shift calendar: " + String.join("; ", problems));
        }
    }

    /** Every reason these shifts cannot form a calendar; empty when they can. */
    public static List<String> problemsOf(List<Shift> shifts) {
        List<String> problems = new ArrayList<>();
        if (shifts.isEmpty()) {
            problems.add("a calendar needs at least one shift");
        }
        Set<String> names = new HashSet<>();
        for (Shift shift : shifts) {
            String name = shift.name();
            if (name.isBlank() || name.length() > MAX_NAME_CHARS) {
                problems.add("shift name '" + name + "' must be 1 to " + MAX_NAME_CHARS + " characters");
            } else if (!names.add(name)) {
                problems.add("shift name '" + name + "' is used twice");
            }
            if (shift.days().isEmpty()) {
                problems.add("shift " + name + " starts on no day");
            }
            wholeMinute(problems, name, "start", shift.start());
            wholeMinute(problems, name, "end", shift.end());
            breakProblems(problems, shift);
        }
        for (int i = 0; i < shifts.size(); i++) {
            for (int j = i + 1; j < shifts.size(); j++) {
                if (overlap(shifts.get(i), shifts.get(j))) {
                    problems.add("shifts " + shifts.get(i).name() + " and " + shifts.get(j).name() + " overlap");
                }
            }
        }
        return problems;
    }

    /** The shift whose scheduled time the minute beginning at {@code minuteStart} is, if any. */
    public Optional<ShiftInstance> shiftScheduling(Instant minuteStart, ZoneId zone) {
        LocalDate today = minuteStart.atZone(zone).toLocalDate();
        // A shift lasts at most a day of the local clock, so one covering this minute started yesterday or today.
        for (LocalDate date : List.of(today.minusDays(1), today)) {
            for (Shift shift : shifts) {
                Optional<ShiftInstance> instance = instance(shift, date, zone).filter(s -> s.schedules(minuteStart));
                if (instance.isPresent()) {
                    return instance;
                }
            }
        }
        return Optional.empty();
    }

    /** Whether the minute beginning at {@code minuteStart} is scheduled. */
    public boolean schedules(Instant minuteStart, ZoneId zone) {
        return shiftScheduling(minuteStart, zone).isPresent();
    }

    /** The shifts that start in {@code [from, to)}, in the order they start. */
    public List<ShiftInstance> shiftsStartingIn(Instant from, Instant to, ZoneId zone) {
        List<ShiftInstance> starting = new ArrayList<>();
        LocalDate last = to.atZone(zone).toLocalDate();
        for (LocalDate date = from.atZone(zone).toLocalDate().minusDays(1); !date.isAfter(last); date = date.plusDays(1)) {
            for (Shift shift : shifts) {
                instance(shift, date, zone)
                        .filter(s -> !s.start().isBefore(from) && s.start().isBefore(to))
                        .ifPresent(starting::add);
            }
        }
        starting.sort(Comparator.comparing(ShiftInstance::start));
        return starting;
    }

    private Optional<ShiftInstance> instance(Shift shift, LocalDate date, ZoneId zone) {
        if (!shift.days().contains(date.getDayOfWeek()) || holidays.contains(date)) {
            return Optional.empty();
        }
        LocalDateTime start = LocalDateTime.of(date, shift.start());
        List<ShiftInstance.Interval> breaks = new ArrayList<>();
        for (ShiftBreak pause : shift.breaks()) {
            LocalDateTime pauseStart = start.plusMinutes(shift.offsetOf(pause.start()));
            breaks.add(new ShiftInstance.Interval(real(pauseStart, zone),
                    real(pauseStart.plusMinutes(minutesFrom(pause.start(), pause.end())), zone)));
        }
        return Optional.of(new ShiftInstance(shift.name(), date, real(start, zone),
                real(start.plusMinutes(shift.lengthMinutes()), zone), breaks));
    }

    private static Instant real(LocalDateTime local, ZoneId zone) {
        return ZonedDateTime.of(local, zone).toInstant();
    }

    private static void wholeMinute(List<String> problems, String shift, String what, LocalTime time) {
        if (time.getSecond() != 0 || time.getNano() != 0) {
            problems.add("shift " + shift + ": " + what + " " + time + " is not a whole minute");
        }
    }

    private static void breakProblems(List<String> problems, Shift shift) {
        List<int[]> within = new ArrayList<>();
        for (ShiftBreak pause : shift.breaks()) {
            wholeMinute(problems, shift.name(), "break start", pause.start());
            wholeMinute(problems, shift.name(), "break end", pause.end());
            int offset = shift.offsetOf(pause.start());
            int length = minutesFrom(pause.start(), pause.end());
            if (offset + length > shift.lengthMinutes()) {
                problems.add("shift " + shift.name() + ": break " + pause.start() + "-" + pause.end()
                        + " lies outside the shift " + shift.start() + "-" + shift.end());
                continue;
            }
            for (int[] other : within) {
                if (offset < other[1] && other[0] < offset + length) {
                    problems.add("shift " + shift.name() + ": break " + pause.start() + "-" + pause.end()
                            + " overlaps another break");
                }
            }
            within.add(new int[] {offset, offset + length});
        }
    }

    /** Whether two shifts are ever on at the same time in a week of the local clock. */
    private static boolean overlap(Shift one, Shift other) {
        for (DayOfWeek day : one.days()) {
            int a = weekMinute(day, one);
            for (DayOfWeek otherDay : other.days()) {
                int b = weekMinute(otherDay, other);
                if (Math.floorMod(b - a, MINUTES_PER_WEEK) < one.lengthMinutes()
                        || Math.floorMod(a - b, MINUTES_PER_WEEK) < other.lengthMinutes()) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int weekMinute(DayOfWeek day, Shift shift) {
        return (day.getValue() - 1) * MINUTES_PER_DAY + shift.startMinute();
    }

    static int minuteOfDay(LocalTime time) {
        return time.getHour() * 60 + time.getMinute();
    }

    /** Minutes of the clock from {@code start} on to {@code end}, a whole day when they are equal. */
    static int minutesFrom(LocalTime start, LocalTime end) {
        int minutes = minutesBetween(start, end);
        return minutes == 0 ? MINUTES_PER_DAY : minutes;
    }

    /** Minutes of the clock from {@code start} on to the next {@code time}, 0 when they are equal. */
    static int minutesBetween(LocalTime start, LocalTime time) {
        return Math.floorMod(minuteOfDay(time) - minuteOfDay(start), MINUTES_PER_DAY);
    }
}
