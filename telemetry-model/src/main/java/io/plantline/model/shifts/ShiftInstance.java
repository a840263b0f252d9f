package io.plantline.model.shifts;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One occurrence of a shift: the shift {@code name} that started on the local {@code date}, from {@code start} to
 * {@code end}, with its breaks as real intervals. A minute inside it and outside its breaks is scheduled.
 */
public record ShiftInstance(String name, LocalDate date, Instant start, Instant end, List<Interval> breaks) {

    /** A real time interval {@code [start, end)}. */
    public record Interval(Instant start, Instant end) {

        boolean contains(Instant at) {
            return !at.isBefore(start) && at.isBefore(end);
        }
    }

    public ShiftInstance {
        breaks = List.copyOf(breaks);
    }

    /** Whether the minute beginning at {@code minuteStart} is scheduled time of this shift. */
    public boolean schedules(Instant minuteStart) {
        return new Interval(start, end).contains(minuteStart)
                && breaks.stream().noneMatch(pause -> pause.contains(minuteStart));
    }

    /** Its scheduled time: the intervals between its start, its breaks and its end, in time order, none empty. */
    public List<Interval> scheduled() {
        List<Interval> scheduled = new ArrayList<>();
        Instant from = start;
        for (Interval pause : breaks.stream().sorted(Comparator.comparing(Interval::start)).toList()) {
            if (from.isBefore(pause.start())) {
                scheduled.add(new Interval(from, pause.start()));
            }
            from = pause.end();
        }
        if (from.isBefore(end)) {
            scheduled.add(new Interval(from, end));
        }
        return scheduled;
    }
}
