package io.plantline.pipeline.oee;

import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A machine's ideal cycle time over event time: each value applies from its time on until the next one's, never
 * before, so minutes before a change keep the value they had.
 */
public final class IdealCycleHistory {

    private final NavigableMap<Long, Double> idealCycleMsFrom = new TreeMap<>();

    /** @param idealCycleMs null: no ideal cycle time from then on */
    public IdealCycleHistory set(long effectiveFrom, Double idealCycleMs) {
        idealCycleMsFrom.put(effectiveFrom, idealCycleMs);
        return this;
    }

    /** The ideal cycle time in force at {@code ts}, or null when there is none then. */
    public Double at(long ts) {
        Map.Entry<Long, Double> inForce = idealCycleMsFrom.floorEntry(ts);
        return inForce == null ? null : inForce.getValue();
    }

    /** The first time at which this history and {@code other} differ, or {@code Long.MAX_VALUE} if they never do. */
    public long firstDifference(IdealCycleHistory other) {
        TreeSet<Long> changes = new TreeSet<>(idealCycleMsFrom.keySet());
        changes.addAll(other.idealCycleMsFrom.keySet());
        for (long change : changes) {
            if (!Objects.equals(at(change), other.at(change))) {
                return change;
            }
        }
        return Long.MAX_VALUE;
    }
}
