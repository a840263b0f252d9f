package io.plantline.pipeline.alerting;

/**
 * Where one evaluation stands in its device and rule's runs of readings, as {@link PatternRelevance} worked it out,
 * so the {@link AlertPatterns} decide each step from the event alone and see only a run's first reading, the reading
 * that meets its term and the one that breaks it: what a CEP operator buffers for a key, and a match it hands over,
 * is then a few readings whether the term is ten seconds or a day.
 *
 * @param forBreach     the breach patterns need this evaluation: a segment's first reading, the one meeting the term,
 *                      or the first reading after a breach run, which ends it
 * @param forEscalation the escalation pattern needs it: the opening, the reading at which escalation is due, or the
 *                      end of the run (rules that escalate only)
 * @param forClear      the clear pattern needs it: a reading that does not clear (an anchor a clear run may follow),
 *                      or the one completing a clear run
 * @param breachStart   the first reading of a breach segment: a breach run is cut into segments that each end at the
 *                      reading satisfying the sustain term, so a breach that goes on matches again each term
 * @param breachReached this reading satisfies the sustain term, counted from its segment's first reading
 * @param opening       the reading at which the run's first segment satisfied the term: where an alert opens
 * @param escalationDue the first reading of the run at least the escalation delay after the opening
 * @param clearReached  this reading completes a run beyond the clear threshold as long as the sustain term
 * @param runBroken     not a reading: the key was silent for the state TTL, and this ends whatever run it left open
 * @param peak          for a breaching reading the worst value of its breach run so far, readings the patterns never
 *                      see included; else the reading's own value (NaN before marking and on a run breaker)
 */
public record RunMarks(boolean forBreach, boolean forEscalation, boolean forClear, boolean breachStart,
                       boolean breachReached, boolean opening, boolean escalationDue, boolean clearReached,
                       boolean runBroken, double peak) {

    /** Before {@link PatternRelevance} has looked at it. */
    public static final RunMarks UNMARKED =
            new RunMarks(false, false, false, false, false, false, false, false, false, Double.NaN);

    /** What ends every run of a key gone silent, and starts none. */
    static final RunMarks BROKEN = new RunMarks(true, true, true, false, false, false, false, false, true, Double.NaN);
}
