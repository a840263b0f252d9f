package io.plantline.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
        return new IdealCycleSchedule(EffectivePeriods.normalised(periods == null ? List.of() : periods,
                (before, period) -> before.idealCycleSeconds().equals(period.idealCycleSeconds()),
                period -> period.idealCycleSeconds().isEmpty()));
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
        return EffectivePeriods.inForceAt(periods, at).flatMap(IdealCycleTime::idealCycleSeconds);
    }

    /**
     * Without the periods that ended more than {@code kept} before {@code now}: no job reprocesses minutes that old,
     * and a schedule rewritten every day stays small.
     */
    public IdealCycleSchedule forgetEndedBefore(Instant now, Duration kept) {
        List<IdealCycleTime> recent = EffectivePeriods.endedBeforeForgotten(periods, now.minus(kept));
        return recent.size() == periods.size() ? this : of(recent);
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
