package io.plantline.pipeline.oee;

/**
 * The summable parts of OEE for one machine over one bucket (a minute, an hour, a day) or for a group, as the OEE
 * contract of docs/architecture.md defines them. Ratios are computed from these, never averaged: a roll-up or a group is
 * the {@link #plus} of its parts, then the ratios of the sum.
 *
 * @param idealMs      sum over counted parts of the ideal cycle time in force when they were counted
 * @param goodIdealMs  the same over good parts
 * @param idealKnown   every counted part (and, with no parts, the bucket's end) had an ideal cycle time in force;
 *                     without one, performance and OEE are unknown (NULL), not zero
 */
public record OeeComponents(long plannedMs, long runMs, long totalCount, long goodCount, double idealMs,
                            double goodIdealMs, boolean idealKnown) {

    public static final OeeComponents NONE = new OeeComponents(0, 0, 0, 0, 0, 0, true);

    public OeeComponents plus(OeeComponents other) {
        return new OeeComponents(plannedMs + other.plannedMs, runMs + other.runMs, totalCount + other.totalCount,
                goodCount + other.goodCount, idealMs + other.idealMs, goodIdealMs + other.goodIdealMs,
                idealKnown && other.idealKnown);
    }

    /** Run time over planned time; null without planned time. */
    public Double availability() {
        return plannedMs == 0 ? null : (double) runMs / plannedMs;
    }

    /** Ideal time of the parts made over run time; above 1 is kept (it signals a wrong ideal cycle time). */
    public Double performance() {
        return !idealKnown || runMs == 0 ? null : idealMs / runMs;
    }

    /**
     * Good parts over all parts, each weighted by its ideal cycle time, so that A x P x Q = OEE holds for sums over
     * buckets with different ideal cycle times; with one ideal cycle time it is good / total.
     */
    public Double quality() {
        if (totalCount == 0) {
            return null;
        }
        return idealKnown && idealMs > 0 ? goodIdealMs / idealMs : (double) goodCount / totalCount;
    }

    /** Fully productive time over planned time: 0 for a machine that runs and makes nothing. */
    public Double oee() {
        return !idealKnown || plannedMs == 0 ? null : goodIdealMs / plannedMs;
    }

    public boolean performanceAboveOne() {
        Double performance = performance();
        return performance != null && performance > 1;
    }
}
