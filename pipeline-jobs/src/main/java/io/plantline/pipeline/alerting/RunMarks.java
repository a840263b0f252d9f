package io.plantline.pipeline.alerting;

/**
 * Where one evaluation stands in its device and rule's runs of readings, as {@link PatternRelevance} worked it out,
 * so the {@link AlertPatterns} decide each step from the event alone (no look back at the partial match) and start a
 * partial match only at a run's first reading.
 *
 * @param forBreach     the breach patterns need this evaluation (a breaching reading, or the first one after them)
 * @param forClear      the clear pattern needs it (a reading that does not clear, or one of a clear run not yet long
 *                      enough)
 * @param breachStart   the first reading of a breach segment: a breach run is cut into segments that each end at the
 *                      reading satisfying the sustain term, so a breach that goes on matches again each term
 * @param breachReached this reading satisfies the sustain term, counted from its segment's first reading
 * @param opening       the reading at which the run's first segment satisfied the term: where an alert opens
 * @param escalationDue the first reading of the run at least the escalation delay after the opening
 * @param clearReached  this reading completes a run beyond the clear threshold as long as the sustain term
 * @param runBroken     not a reading: the key was silent for the state TTL, and this ends whatever run it left open
 */
public record RunMarks(boolean forBreach, boolean forClear, boolean breachStart, boolean breachReached, boolean opening,
                       boolean escalationDue, boolean clearReached, boolean runBroken) {

    /** Before {@link PatternRelevance} has looked at it. */
    public static final RunMarks UNMARKED = new RunMarks(false, false, false, false, false, false, false, false);

    /** What ends every run of a key gone silent, and starts none. */
    static final RunMarks BROKEN = new RunMarks(true, true, false, false, false, false, false, true);
}
