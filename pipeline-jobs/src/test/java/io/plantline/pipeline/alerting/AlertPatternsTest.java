package io.plantline.pipeline.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.AlertRule;
import io.plantline.pipeline.Mailbox;
import io.plantline.pipeline.ingest.MetricPoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.cep.nfa.NFAState;
import org.apache.flink.cep.nfa.NFAStateSerializer;
import org.apache.flink.cep.nfa.compiler.NFACompiler;
import org.apache.flink.cep.operator.CepOperator;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * What the patterns cost a device in a breach: the CEP operators' partial matches per device and rule, read from
 * their state, for the patterns fed by {@link PatternRelevance} as in the job.
 */
class AlertPatternsTest {

    private static final Duration STATE_TTL = Duration.ofMinutes(10);

    /** Issue 16, item 7: a breach costs one partial match however long the rule's sustain term is. */
    @ParameterizedTest
    @ValueSource(ints = {10, 3_600})
    void aBreachKeepsOnePartialMatchWhateverTheSustainTerm(int forSeconds) throws Exception {
        AlertRule rule = RuleBuilder.rule("hot").above(80).forSeconds(forSeconds).build();
        Cep cep = new Cep(AlertPatterns.sustainedBreach(), AlertPatterns.REACHED);
        int most = 0;
        for (RuleEvaluation evaluation : marked(rule, 600, 85)) {
            if (evaluation.forBreach()) {
                cep.feed(evaluation);
                most = Math.max(most, cep.partialMatches());
            }
        }

        assertThat(most).as("the start state and at most one run").isLessThanOrEqualTo(2);
        assertThat(cep.matches()).as("a match every 11 readings").hasSize(forSeconds == 10 ? 600 / 11 : 0);
    }

    /**
     * Issue 16, item 7: a run's readings between its first and the one meeting the term never reach the pattern, so
     * what the CEP operator buffers for a key (the events of its partial match) and hands over as a match does not
     * grow with the term; the run's worst reading still reaches the alert, carried in the marks.
     */
    @ParameterizedTest
    @ValueSource(ints = {10, 3_600})
    void aBreachBuffersTheSameFewReadingsWhateverTheSustainTerm(int forSeconds) throws Exception {
        AlertRule rule = RuleBuilder.rule("hot").above(80).forSeconds(forSeconds).build();
        Cep cep = new Cep(AlertPatterns.sustainedBreach(), AlertPatterns.REACHED);
        List<RuleEvaluation> run = marked(rule, forSeconds + 1, 85, forSeconds / 2, 97);
        for (RuleEvaluation evaluation : run) {
            if (evaluation.forBreach()) {
                cep.feed(evaluation);
            }
        }

        assertThat(cep.matchSizes).as("readings in each match").containsExactly(2);
        assertThat(cep.matches()).singleElement().satisfies(signal -> assertThat(signal.peak()).isEqualTo(97));
    }

    @Test
    void escalationKeepsOnePartialMatchFromTheOpeningOn() throws Exception {
        AlertRule rule = RuleBuilder.rule("hot").above(80).forSeconds(10)
                .escalateAfter(3_000, io.plantline.model.Severity.CRITICAL).build();
        Cep cep = new Cep(AlertPatterns.escalation(), AlertPatterns.ESCALATED);
        int most = 0;
        for (RuleEvaluation evaluation : marked(rule, 3_100, 85)) {
            if (evaluation.forEscalation()) {
                cep.feed(evaluation);
                most = Math.max(most, cep.partialMatches());
            }
        }

        assertThat(most).isLessThanOrEqualTo(2);
        assertThat(cep.matches()).hasSize(1);
    }

    /** Issue 16, item 8: once a device silent mid-breach is forgotten, the CEP operator holds no partial match of it. */
    @Test
    void aDeviceSilentMidBreachLeavesNoPartialMatchAfterTheStateTtl() throws Exception {
        AlertRule rule = RuleBuilder.rule("hot").above(80).forSeconds(3_600).build();
        PatternRelevance relevance = new PatternRelevance(STATE_TTL);
        OneInputStreamOperatorTestHarness<RuleEvaluation, RuleEvaluation> marking = new OneInputStreamOperatorTestHarness<>(relevance);
        marking.open();
        marking.setProcessingTime(0);
        for (int second = 1; second <= 100; second++) {
            RuleEvaluation evaluation = RuleEvaluation.of(rule, new MetricPoint("acme", "press-1", "temperature",
                    second * 1000L, 85));
            marking.processElement(evaluation, evaluation.ts());
        }
        Cep cep = new Cep(AlertPatterns.sustainedBreach(), AlertPatterns.REACHED);
        marking.extractOutputValues().stream().filter(RuleEvaluation::forBreach).forEach(cep::feed);
        assertThat(cep.partialMatches()).isEqualTo(2);
        int bufferedWhileBreaching = cep.harness.numKeyedStateEntries();

        Mailbox.processingTime(marking, STATE_TTL.toMillis() + 60_000);      // the device has said nothing since
        List<RuleEvaluation> afterSilence = marking.extractOutputValues();
        cep.feed(afterSilence.get(afterSilence.size() - 1));           // the run breaker

        assertThat(relevance.openKeys()).isEmpty();
        assertThat(cep.partialMatches()).as("only the start state").isEqualTo(1);
        assertThat(cep.harness.numKeyedStateEntries()).isLessThan(bufferedWhileBreaching).isLessThanOrEqualTo(2);
    }

    /** {@code seconds} readings of {@code value}, one a second, as {@link PatternRelevance} marks them. */
    private static List<RuleEvaluation> marked(AlertRule rule, int seconds, double value) throws Exception {
        return marked(rule, seconds, value, -1, value);
    }

    /** As {@link #marked(AlertRule, int, double)}, with {@code spike} at second {@code spikeAt}. */
    private static List<RuleEvaluation> marked(AlertRule rule, int seconds, double value, int spikeAt, double spike)
            throws Exception {
        OneInputStreamOperatorTestHarness<RuleEvaluation, RuleEvaluation> harness =
                new OneInputStreamOperatorTestHarness<>(new PatternRelevance(STATE_TTL));
        harness.open();
        harness.processElement(RuleEvaluation.of(rule, new MetricPoint("acme", "press-1", "temperature", 0, 70)), 0);
        for (int second = 1; second <= seconds; second++) {
            RuleEvaluation evaluation = RuleEvaluation.of(rule, new MetricPoint("acme", "press-1", "temperature",
                    second * 1000L, second == spikeAt ? spike : value));
            harness.processElement(evaluation, evaluation.ts());
        }
        return new ArrayList<>(harness.extractOutputValues());
    }

    /** One CEP operator of the job's, in processing-time mode, for one device and rule. */
    private static final class Cep {
        final KeyedOneInputStreamOperatorTestHarness<String, RuleEvaluation, AlertSignal> harness;
        /** How many readings each match held, in the order of the matches. */
        final List<Integer> matchSizes = new java.util.concurrent.CopyOnWriteArrayList<>();

        Cep(Pattern<RuleEvaluation, ?> pattern, String lastStage) throws Exception {
            ToAlertSignal toSignal = new ToAlertSignal(AlertSignal.Kind.SUSTAINED, lastStage);
            List<Integer> sizes = matchSizes;
            CepOperator<RuleEvaluation, String, AlertSignal> operator = new CepOperator<>(
                    TypeInformation.of(RuleEvaluation.class).createSerializer(new SerializerConfigImpl()), true,
                    NFACompiler.compileFactory(pattern, false), null, pattern.getAfterMatchSkipStrategy(),
                    new PatternProcessFunction<RuleEvaluation, AlertSignal>() {
                        @Override
                        public void processMatch(Map<String, List<RuleEvaluation>> match, Context context,
                                                 Collector<AlertSignal> out) {
                            sizes.add(match.values().stream().mapToInt(List::size).sum());
                            toSignal.processMatch(match, context, out);
                        }
                    }, null);
            harness = new KeyedOneInputStreamOperatorTestHarness<>(operator, RuleEvaluation::alertKey, Types.STRING);
            harness.open();
        }

        void feed(RuleEvaluation evaluation) {
            try {
                harness.processElement(evaluation, evaluation.ts());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        List<AlertSignal> matches() {
            return harness.extractOutputValues();
        }

        /** The partial matches the NFA keeps for the device and rule, its start state included. */
        int partialMatches() throws Exception {
            harness.getOperator().setCurrentKey("acme/press-1/hot");
            NFAState state = harness.getOperator().getKeyedStateBackend().getPartitionedState(VoidNamespace.INSTANCE,
                    VoidNamespaceSerializer.INSTANCE, new ValueStateDescriptor<>("nfaStateName", new NFAStateSerializer()))
                    .value();
            return state == null ? 1 : state.getPartialMatches().size();
        }
    }
}
