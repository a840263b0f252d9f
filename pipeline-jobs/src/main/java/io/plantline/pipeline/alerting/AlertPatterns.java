package io.plantline.pipeline.alerting;

import java.util.Iterator;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.IterativeCondition;

/**
 * The three CEP patterns of the alert lifecycle. They are fixed, while rules change at run time: each event is a
 * {@link RuleEvaluation} that already says whether the reading breaches or clears and carries the rule's sustain
 * and escalation terms, so the conditions read the terms from the events instead of from the pattern.
 *
 * <p>Why this shape: a sustained breach is an unbroken run of breaching readings (strict contiguity, {@code next}
 * and {@code consecutive}), so one reading inside the band breaks the run and the count starts again. The run is
 * split in two stages with mutually exclusive conditions, "not yet long enough" ({@code run}, zero or more) and
 * "long enough now" ({@code reached}, exactly one), so each run matches exactly once, at the first reading that
 * satisfies the rule, and a rule asking for 0 s or 1 reading matches on that reading alone. After a match, skipping
 * past its last event discards the overlapping partial matches that started inside the run; a breach that goes on
 * matches again one sustain period later, which the lifecycle uses to follow the peak. Escalation extends the same
 * run by the escalation delay, measured from the reading that reached the sustain term (the alert's opening).
 *
 * <p>The clear pattern is the same run on the other side, anchored on the reading just before it ({@code before},
 * one that does not clear): normally almost every reading is on the clear side, and without the anchor each would
 * start a partial match, all the time, on every device. Anchored, a partial match starts only where the value came
 * from the alarm side, and an alert can only be open after such readings.
 *
 * <p>Cost: while a device breaches, every breaching reading starts a partial match, so a breach costs CEP work
 * quadratic in the number of readings inside one sustain period; rules that ask for hours of high-rate readings are
 * better expressed per minute. Readings on the normal side cost one state update each.
 */
public final class AlertPatterns {

    static final String BEFORE = "before";
    static final String RUN = "run";
    static final String REACHED = "reached";
    static final String SINCE_OPENING = "since-opening";
    static final String ESCALATED = "escalated";

    private AlertPatterns() {
    }

    /** A breach held for the rule's sustain term. */
    public static Pattern<RuleEvaluation, ?> sustainedBreach() {
        return sustained(Side.BREACH);
    }

    /** A return beyond the clear threshold held for the same term: hysteresis against flapping. */
    public static Pattern<RuleEvaluation, ?> sustainedClear() {
        return Pattern.<RuleEvaluation>begin(BEFORE, AfterMatchSkipStrategy.skipPastLastEvent())
                .where(new Outside(Side.CLEAR))
                .next(RUN).where(new Sustained(Side.CLEAR, false)).oneOrMore().optional().consecutive()
                .next(REACHED).where(new Sustained(Side.CLEAR, true));
    }

    /** A sustained breach that still holds the escalation delay after it reached the sustain term. */
    public static Pattern<RuleEvaluation, ?> escalation() {
        return sustained(Side.BREACH)
                .next(SINCE_OPENING).where(new SinceOpening(false)).oneOrMore().optional().consecutive()
                .next(ESCALATED).where(new SinceOpening(true));
    }

    private static Pattern<RuleEvaluation, RuleEvaluation> sustained(Side side) {
        return Pattern.<RuleEvaluation>begin(RUN, AfterMatchSkipStrategy.skipPastLastEvent())
                .where(new Sustained(side, false)).oneOrMore().optional().consecutive()
                .next(REACHED).where(new Sustained(side, true));
    }

    enum Side {
        BREACH,
        CLEAR;

        boolean holds(RuleEvaluation evaluation) {
            return this == BREACH ? evaluation.breaching() : evaluation.clearing();
        }
    }

    /** The reading is not on the side: where a run on the side can begin. */
    private static final class Outside extends IterativeCondition<RuleEvaluation> {
        private final Side side;

        Outside(Side side) {
            this.side = side;
        }

        @Override
        public boolean filter(RuleEvaluation evaluation, Context<RuleEvaluation> ctx) {
            return !side.holds(evaluation);
        }
    }

    /** The reading is on the side and the run up to it has (or has not yet) satisfied the rule's sustain term. */
    private static final class Sustained extends IterativeCondition<RuleEvaluation> {
        private final Side side;
        private final boolean reached;

        Sustained(Side side, boolean reached) {
            this.side = side;
            this.reached = reached;
        }

        @Override
        public boolean filter(RuleEvaluation evaluation, Context<RuleEvaluation> ctx) throws Exception {
            if (!side.holds(evaluation)) {
                return false;
            }
            Iterator<RuleEvaluation> run = ctx.getEventsForPattern(RUN).iterator();
            RuleEvaluation first = run.hasNext() ? run.next() : evaluation;
            int readings = first == evaluation ? 1 : 2;
            while (evaluation.sustainReadings() >= 0 && run.hasNext()) {
                run.next();
                readings++;
            }
            return evaluation.sustainedSince(first, readings) == reached;
        }
    }

    /** The breach still holds and the escalation delay since the opening reading has (or has not yet) passed. */
    private static final class SinceOpening extends IterativeCondition<RuleEvaluation> {
        private final boolean due;

        SinceOpening(boolean due) {
            this.due = due;
        }

        @Override
        public boolean filter(RuleEvaluation evaluation, Context<RuleEvaluation> ctx) throws Exception {
            if (!evaluation.breaching() || !evaluation.escalates()) {
                return false;
            }
            RuleEvaluation opening = ctx.getEventsForPattern(REACHED).iterator().next();
            return (evaluation.ts() - opening.ts() >= evaluation.escalateAfterMillis()) == due;
        }
    }
}
