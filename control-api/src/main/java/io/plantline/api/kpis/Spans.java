package io.plantline.api.kpis;

import io.plantline.api.db.Conditions;
import io.plantline.model.shifts.ShiftInstance;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * Time made of intervals (a range, or the scheduled time of shifts between their breaks) as a condition on a time
 * column: the bounds of all of them first, so an index on the column finds the rows, then each interval.
 */
public final class Spans {

    private Spans() {
    }

    /** The range {@code [from, to)} as one interval. */
    public static List<ShiftInstance.Interval> of(Instant from, Instant to) {
        return List.of(new ShiftInstance.Interval(from, to));
    }

    /** The scheduled time of all these shifts. */
    public static List<ShiftInstance.Interval> scheduled(List<ShiftInstance> shifts) {
        return shifts.stream().flatMap(shift -> shift.scheduled().stream()).toList();
    }

    /** {@code where} and {@code column} in one of the intervals (none: no row). */
    public static Conditions within(Conditions where, String column, List<ShiftInstance.Interval> spans) {
        if (spans.isEmpty()) {
            return where.and("false");
        }
        Instant first = spans.stream().map(ShiftInstance.Interval::start).min(Comparator.naturalOrder()).orElseThrow();
        Instant last = spans.stream().map(ShiftInstance.Interval::end).max(Comparator.naturalOrder()).orElseThrow();
        where.and(column + " >= ? AND " + column + " < ?", first, last);
        if (spans.size() > 1) {
            List<Object> bounds = new ArrayList<>();
            spans.forEach(span -> {
                bounds.add(span.start());
                bounds.add(span.end());
            });
            where.and("(" + String.join(" OR ", Collections.nCopies(spans.size(), column + " >= ? AND " + column + " < ?"))
                    + ")", bounds.toArray());
        }
        return where;
    }
}
