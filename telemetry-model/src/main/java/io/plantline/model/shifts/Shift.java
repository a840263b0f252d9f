package io.plantline.model.shifts;

import java.time.DayOfWeek;
import java.time.LocalTime;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A shift of a calendar: it starts at {@code start} (local time) on each of {@code days} and ends at {@code end}, the
 * next day when {@code end} is not after {@code start} (so {@code start == end} is a 24-hour shift). Its breaks are
 * unscheduled time inside it.
 */
public record Shift(String name, Set<DayOfWeek> days, LocalTime start, LocalTime end, List<ShiftBreak> breaks) {

    public Shift {
        Objects.requireNonNull(name, "name");
        days = Set.copyOf(days);
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        breaks = breaks == null ? List.of() : List.copyOf(breaks);
    }

    /** Minutes from the start of the day the shift starts on to its start. */
    int startMinute() {
        return ShiftCalendar.minuteOfDay(start);
    }

    /** Its length in minutes of the local clock (a daylight-saving change makes its real length differ). */
    int lengthMinutes() {
        return ShiftCalendar.minutesFrom(start, end);
    }

    /** Where a break lies within the shift, in minutes of the local clock from the shift's start. */
    int offsetOf(LocalTime time) {
        return ShiftCalendar.minutesBetween(start, time);
    }
}
