package io.plantline.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * The rules every schedule of {@link EffectivePeriod}s follows ({@link IdealCycleSchedule},
 * {@link io.plantline.model.shifts.CalendarSchedule}), in one place: which period is in force at a time, which ended
 * long enough ago to forget, and one normal form, so that two schedules that mean the same are equal.
 */
public final class EffectivePeriods {

    private EffectivePeriods() {
    }

    /**
     * The periods in time order, a later one of the same time winning, without one that says what the one before says
     * ({@code sameValue}), nor a first one that says what holds before any period ({@code sameAsBeforeAny}).
     */
    public static <P extends EffectivePeriod> List<P> normalised(List<P> periods, BiPredicate<P, P> sameValue,
                                                                 Predicate<P> sameAsBeforeAny) {
        List<P> sorted = new ArrayList<>(periods);
        sorted.sort(Comparator.comparing(EffectivePeriod::effectiveFrom));
        List<P> normal = new ArrayList<>();
        for (P period : sorted) {
            if (!normal.isEmpty() && normal.get(normal.size() - 1).effectiveFrom().equals(period.effectiveFrom())) {
                normal.remove(normal.size() - 1);
            }
            boolean sameAsBefore = normal.isEmpty() ? sameAsBeforeAny.test(period)
                    : sameValue.test(normal.get(normal.size() - 1), period);
            if (!sameAsBefore) {
                normal.add(period);
            }
        }
        return List.copyOf(normal);
    }

    /** The period of time-ordered {@code periods} in force at {@code at}; empty before the first. */
    public static <P extends EffectivePeriod> Optional<P> inForceAt(List<P> periods, Instant at) {
        P inForce = null;
        for (P period : periods) {
            if (period.effectiveFrom().isAfter(at)) {
                break;
            }
            inForce = period;
        }
        return Optional.ofNullable(inForce);
    }

    /** Time-ordered {@code periods} without those that ended at or before {@code horizon}: the one in force then stays. */
    public static <P extends EffectivePeriod> List<P> endedBeforeForgotten(List<P> periods, Instant horizon) {
        int first = 0;
        while (first + 1 < periods.size() && !periods.get(first + 1).effectiveFrom().isAfter(horizon)) {
            first++;
        }
        return periods.subList(first, periods.size());
    }
}
