package io.plantline.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A machine's ideal cycle time over time, and the one rule by which a write changes it, which the control API (what
 * {@code GET /devices/{id}} shows) and the OEE job (what the minutes use) both apply: <b>the latest write decides the
 * value from its {@code effectiveFrom} on</b>, superseding whatever earlier writes said for that period, and leaves
 * the time before it as it was. A write effective an hour ago therefore also replaces a write made a minute ago.
 *
 * <p>The periods are kept in time order, without repeats and without a leading "none" (before the first period
 * there is none anyway), so two schedules that mean the same are equal.
 */
public final class IdealCycleSchedule {

    public static final IdealCycleSchedule EMPTY = new IdealCycleSchedule(List.of());

    private final List<IdealCycleTime> periods;

    private IdealCycleSchedule(List<IdealCycleTime> periods) {
        this.periods = periods;
    }

    /** The schedule these periods describe, in whatever order they come; a later duplicate time wins. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static IdealCycleSchedule of(List<IdealCycleTime> periods) {
        List<IdealCycleTime> sorted = new ArrayList<>(periods == null ? List.of() : periods);
        sorted.sort(Comparator.comparing(IdealCycleTime::effectiveFrom));
        List<IdealCycleTime> normal = new ArrayList<>();
        for (IdealCycleTime period : sorted) {
            if (!normal.isEmpty() && normal.get(normal.size() - 1).effectiveFrom().equals(period.effectiveFrom())) {
                normal.remove(normal.size() - 1);
            }
            Optional<Double> before = normal.isEmpty() ? Optional.empty()
                    : normal.get(normal.size() - 1).idealCycleSeconds();
            if (!period.idealCycleSeconds().equals(before)) {
                normal.add(period);
            }
        }
        return new IdealCycleSchedule(List.copyOf(normal));
    }

    /** The schedule after a write of {@code idealCycleSeconds} (empty: none) effective from {@code effectiveFrom}. */
    public IdealCycleSchedule written(Instant effectiveFrom, Optional<Double> idealCycleSeconds) {
        List<IdealCycleTime> kept = new ArrayList<>();
        for (IdealCycleTime period : periods) {
            if (period.effectiveFrom().isBefore(effectiveFrom)) {
                kept.add(period);
            }
        }
        kept.add(new IdealCycleTime(effectiveFrom, idealCycleSeconds));
        return of(kept);
    }

    /** The ideal cycle time in force at {@code at}. */
    public Optional<Double> at(Instant at) {
        Optional<Double> inForce = Optional.empty();
        for (IdealCycleTime period : periods) {
            if (period.effectiveFrom().isAfter(at)) {
                break;
            }
            inForce = period.idealCycleSeconds();
        }
        return inForce;
    }

    /**
     * Without the periods that ended more than {@code kept} before {@code now}: no job reprocesses minutes that old,
     * and a schedule rewritten every day stays small.
     */
    public IdealCycleSchedule forgetEndedBefore(Instant now, Duration kept) {
        Instant horizon = now.minus(kept);
        int first = 0;
        while (first + 1 < periods.size() && !periods.get(first + 1).effectiveFrom().isAfter(horizon)) {
            first++;
        }
        return first == 0 ? this : of(periods.subList(first, periods.size()));
    }

    @JsonValue
    public List<IdealCycleTime> periods() {
        return periods;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IdealCycleSchedule schedule && schedule.periods.equals(periods);
    }

    @Override
    public int hashCode() {
        return periods.hashCode();
    }

    @Override
    public String toString() {
        return periods.toString();
    }
}
