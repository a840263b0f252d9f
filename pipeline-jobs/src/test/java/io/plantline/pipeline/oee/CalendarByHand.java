package io.plantline.pipeline.oee;

import io.plantline.model.shifts.CalendarSchedule;
import io.plantline.model.shifts.Shift;
import io.plantline.model.shifts.ShiftBreak;
import io.plantline.model.shifts.ShiftCalendar;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A calendar schedule read by hand, from the contract's words and java.time alone, as an oracle for the code that
 * applies it: a shift starts at its local {@code start} on each of its days that is not a holiday and ends at its
 * local {@code end} that day, or the next day when {@code end} is not after {@code start}; a break starts on the
 * shift's day, or the next day when the shift crosses midnight and the break starts before the shift's start time,
 * and ends that day or the next likewise; local times become instants as {@link ZonedDateTime#of} resolves them (a
 * time a daylight-saving change skips is moved on by the gap, a repeated one is its first occurrence). A minute is
 * scheduled by the calendar in force at its start, and every minute is scheduled where none is.
 */
final class CalendarByHand {

    /** One shift that started on the local {@code date}, its breaks as real {@code [start, end)} pairs. */
    record Instance(String name, LocalDate date, Instant start, Instant end, List<Instant[]> breaks) {

        boolean schedules(Instant minute) {
            return within(minute, start, end) && breaks.stream().noneMatch(pause -> within(minute, pause[0], pause[1]));
        }
    }

    private record Period(Instant from, Instant until, List<Instance> instances) {
    }

    private final List<Period> periods = new ArrayList<>();

    /** Periods in time order (as given to the schedule), each with every shift instance that may touch {@code [from, to)}. */
    CalendarByHand(List<CalendarSchedule.Period> given, Instant from, Instant to) {
        for (int i = 0; i < given.size(); i++) {
            CalendarSchedule.Period period = given.get(i);
            Instant until = i + 1 < given.size() ? given.get(i + 1).effectiveFrom() : Instant.MAX;
            periods.add(new Period(period.effectiveFrom(), until, period.calendar()
                    .map(calendar -> instances(calendar, period.zone(), from, to)).orElse(null)));
        }
    }

    boolean schedules(Instant minute) {
        Period inForce = null;
        for (Period period : periods) {
            if (!period.from().isAfter(minute)) {
                inForce = period;
            }
        }
        return inForce == null || inForce.instances() == null
                || inForce.instances().stream().anyMatch(instance -> instance.schedules(minute));
    }

    /** The shifts starting in {@code [from, to)}, each by the calendar in force when it starts, in time order. */
    List<Instance> startingIn(Instant from, Instant to) {
        List<Instance> starting = new ArrayList<>();
        for (Period period : periods) {
            if (period.instances() != null) {
                period.instances().stream()
                        .filter(instance -> within(instance.start(), period.from(), period.until())
                                && within(instance.start(), from, to))
                        .forEach(starting::add);
            }
        }
        starting.sort(Comparator.comparing(Instance::start));
        return starting;
    }

    private static List<Instance> instances(ShiftCalendar calendar, ZoneId zone, Instant from, Instant to) {
        List<Instance> instances = new ArrayList<>();
        LocalDate last = to.atZone(zone).toLocalDate();
        for (LocalDate date = from.atZone(zone).toLocalDate().minusDays(2); !date.isAfter(last); date = date.plusDays(1)) {
            if (calendar.holidays().contains(date)) {
                continue;
            }
            for (Shift shift : calendar.shifts()) {
                if (!shift.days().contains(date.getDayOfWeek())) {
                    continue;
                }
                boolean crossesMidnight = !shift.end().isAfter(shift.start());
                List<Instant[]> breaks = new ArrayList<>();
                for (ShiftBreak pause : shift.breaks()) {
                    LocalDate pauseDate = crossesMidnight && pause.start().isBefore(shift.start()) ? date.plusDays(1) : date;
                    breaks.add(new Instant[] {at(pauseDate, pause.start(), zone),
                            at(pause.end().isAfter(pause.start()) ? pauseDate : pauseDate.plusDays(1), pause.end(), zone)});
                }
                instances.add(new Instance(shift.name(), date, at(date, shift.start(), zone),
                        at(crossesMidnight ? date.plusDays(1) : date, shift.end(), zone), breaks));
            }
        }
        return instances;
    }

    private static Instant at(LocalDate date, LocalTime time, ZoneId zone) {
        return ZonedDateTime.of(date, time, zone).toInstant();
    }

    private static boolean within(Instant at, Instant start, Instant end) {
        return !at.isBefore(start) && at.isBefore(end);
    }
}
