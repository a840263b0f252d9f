package io.plantline.pipeline.oee;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A machine's ideal cycle time over event time: each setting applies from its {@code effectiveFrom} on, never
 * before, so a change does not rewrite history.
 */
public final class IdealCycleHistory {

    private final NavigableMap<Long, Double> idealCycleMsFrom = new TreeMap<>();

    /** @param idealCycleMs null when the setting was removed: no ideal cycle time from then on */
    public IdealCycleHistory set(long effectiveFrom, Double idealCycleMs) {
        idealCycleMsFrom.put(effectiveFrom, idealCycleMs);
        return this;
    }

    /** The ideal cycle time in force at {@code ts}, or null when none was set by then. */
    public Double at(long ts) {
        Map.Entry<Long, Double> inForce = idealCycleMsFrom.floorEntry(ts);
        return inForce == null ? null : inForce.getValue();
    }
}
