package io.plantline.pipeline.alerting;

import java.io.Serializable;
import java.util.function.Predicate;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;

/**
 * The CEP patterns of the alert lifecycle. They are fixed, while rules change at run time: each event is a
 * {@link RuleEvaluation} that already says whether the reading breaches or clears, and where it stands in its runs
 * ({@link RunMarks}, worked out by {@link PatternRelevance} from the rule's sustain and escalation terms), so every
 * condition reads one event and nothing else.
 *
 * <p>Why this shape: a sustained breach is an unbroken run of breaching readings. {@link PatternRelevance} counts the
 * run and passes on only its first reading, the reading that meets the term and the first reading after it; so with
 * strict contiguity ({@code next}) a run's first reading followed at once by the one meeting the term is a match, and
 * anything between them (the run's end) discards the partial match. Each pattern is anchored: a partial match starts
 * only at a run's first reading (a segment's first breaching reading, the opening of a breach, or for the clear
 * pattern a reading that does not clear), so a device that breaches for an hour has one partial match per pattern
 * holding one reading, and its cost per reading is the same for a 10-second rule and an 86,400-second one. A breach
 * that goes on starts a new segment after each match and so matches again one sustain term later, which the
 * lifecycle uses to follow the peak. A rule met by one reading (0 s, 1 reading) has segments of one reading:
 * {@link #immediateBreach()}.
 */
public final class AlertPatterns {

    static final String START = "start";
    static final String REACHED = "reached";
    static final String OPENING = "opening";
    static final String ESCALATED = "escalated";

    private AlertPatterns() {
    }

    /** A breach held for the rule's sustain term, for rules that need more than one reading. */
    public static Pattern<RuleEvaluation, ?> sustainedBreach() {
        return Pattern.<RuleEvaluation>begin(START, AfterMatchSkipStrategy.skipPastLastEvent())
                .where(breaching(RunMarks::breachStart))
                .next(REACHED).where(breaching(marks -> !marks.breachStart() && marks.breachReached()));
    }

    /** A breach of a rule that one reading satisfies: every segment is that one reading. */
    public static Pattern<RuleEvaluation, ?> immediateBreach() {
        return Pattern.<RuleEvaluation>begin(REACHED, AfterMatchSkipStrategy.skipPastLastEvent())
                .where(breaching(marks -> marks.breachStart() && marks.breachReached()));
    }

    /** A return beyond the clear threshold held for the same term: hysteresis against flapping. */
    public static Pattern<RuleEvaluation, ?> sustainedClear() {
        return Pattern.<RuleEvaluation>begin(START, AfterMatchSkipStrategy.skipPastLastEvent())
                .where(new Condition(evaluation -> !evaluation.clearing() && !evaluation.marks().runBroken()))
                .next(REACHED).where(new Condition(evaluation -> evaluation.clearing() && evaluation.marks().clearReached()));
    }

    /** A breach still held the escalation delay after its opening reading. */
    public static Pattern<RuleEvaluation, ?> escalation() {
        return Pattern.<RuleEvaluation>begin(OPENING, AfterMatchSkipStrategy.skipPastLastEvent())
                .where(breaching(RunMarks::opening))
                .next(ESCALATED).where(breaching(RunMarks::escalationDue));
    }

    /** A breaching reading with these marks. */
    private static Condition breaching(Test<RunMarks> marks) {
        return new Condition(evaluation -> evaluation.breaching() && marks.test(evaluation.marks()));
    }

    /** A condition on the event alone, so no partial match is read back; serializable for the CEP operator. */
    private static final class Condition extends SimpleCondition<RuleEvaluation> {
        private final Test<RuleEvaluation> test;

        Condition(Test<RuleEvaluation> test) {
            this.test = test;
        }

        @Override
        public boolean filter(RuleEvaluation evaluation) {
            return test.test(evaluation);
        }
    }

    private interface Test<T> extends Predicate<T>, Serializable {
    }
}
