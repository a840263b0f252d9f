package io.plantline.pipeline.oee;

/**
 * Where one machine's minute went, as the contract stores it: {@code knownMs} of it had a known state, split into
 * {@code runMs}, {@code idleMs}, {@code downMs} and {@code plannedStopMs}; {@code scheduled} whether the minute is
 * scheduled production time by the machine's shift calendar. Planned time and the run time OEE counts are derived,
 * never stored apart from these, so a calendar changed later can be applied to the stored minute.
 */
public record MinuteTimes(long knownMs, long runMs, long idleMs, long downMs, long plannedStopMs, boolean scheduled) {

    /** Known time less planned stops, in a scheduled minute; none in an unscheduled one. */
    public long plannedMs() {
        return scheduled ? knownMs - plannedStopMs : 0;
    }

    /** Run time that counts towards OEE: only in a scheduled minute. */
    public long oeeRunMs() {
        return scheduled ? runMs : 0;
    }

    /** Running outside scheduled time (overtime), reported outside OEE. */
    public long unscheduledRunMs() {
        return scheduled ? 0 : runMs;
    }
}
