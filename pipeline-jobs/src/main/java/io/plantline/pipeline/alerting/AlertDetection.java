package io.plantline.pipeline.alerting;

import java.time.Duration;
import org.apache.flink.cep.CEP;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The alerting part of the graph: rule evaluations, which arrive in each device's event-time order (the readings
 * were put in that order, {@link io.plantline.pipeline.ingest.EventTimeOrder}), thinned to those that can change a
 * match ({@link PatternRelevance}), keyed by device and rule, the three {@link AlertPatterns} (CEP consuming that
 * order as it arrives), and the {@link AlertLifecycle} that turns their matches into alert rows (main output) and
 * changes (side output).
 */
public final class AlertDetection {

    private AlertDetection() {
    }

    /** @param inOrder every device's evaluations in event-time order */
    public static SingleOutputStreamOperator<AlertRow> alerts(DataStream<RuleEvaluation> inOrder, Duration stateTtl) {
        // Every step up to the keyBy runs at the input's parallelism, chained, so each device's evaluations stay
        // on one forward channel and reach the patterns in event-time order.
        int parallelism = inOrder.getParallelism();
        DataStream<RuleEvaluation> evaluations = inOrder
                .transform("mark pattern relevance", inOrder.getType(), new PatternRelevance(stateTtl)).uid("pattern-relevance")
                .setParallelism(parallelism);
        KeyedStream<RuleEvaluation, String> forBreach = evaluations
                .filter(evaluation -> evaluation.forBreach() && !evaluation.sustainImmediate())
                .name("for breach patterns").uid("for-breach-patterns").setParallelism(parallelism)
                .keyBy(RuleEvaluation::alertKey);
        KeyedStream<RuleEvaluation, String> forImmediateBreach = evaluations
                .filter(evaluation -> evaluation.forBreach() && evaluation.sustainImmediate())
                .name("for immediate breach pattern").uid("for-immediate-breach-pattern").setParallelism(parallelism)
                .keyBy(RuleEvaluation::alertKey);
        KeyedStream<RuleEvaluation, String> forClear = evaluations.filter(RuleEvaluation::forClear)
                .name("for clear pattern").uid("for-clear-pattern").setParallelism(parallelism)
                .keyBy(RuleEvaluation::alertKey);
        KeyedStream<RuleEvaluation, String> forEscalation = evaluations
                .filter(RuleEvaluation::forEscalation)
                .name("rules that escalate").uid("escalating-rules").setParallelism(parallelism)
                .keyBy(RuleEvaluation::alertKey);
        DataStream<AlertSignal> sustained = CEP.pattern(forBreach, AlertPatterns.sustainedBreach()).inProcessingTime()
                .process(new ToAlertSignal(AlertSignal.Kind.SUSTAINED, AlertPatterns.REACHED))
                .name("sustained breach").uid("cep-sustained-breach");
        DataStream<AlertSignal> immediate = CEP.pattern(forImmediateBreach, AlertPatterns.immediateBreach())
                .inProcessingTime()
                .process(new ToAlertSignal(AlertSignal.Kind.SUSTAINED, AlertPatterns.REACHED))
                .name("immediate breach").uid("cep-immediate-breach");
        DataStream<AlertSignal> cleared = CEP.pattern(forClear, AlertPatterns.sustainedClear()).inProcessingTime()
                .process(new ToAlertSignal(AlertSignal.Kind.CLEAR_SUSTAINED, AlertPatterns.REACHED))
                .name("sustained clear").uid("cep-sustained-clear");
        DataStream<AlertSignal> escalations = CEP.pattern(forEscalation, AlertPatterns.escalation()).inProcessingTime()
                .process(new ToAlertSignal(AlertSignal.Kind.ESCALATION_DUE, AlertPatterns.ESCALATED))
                .name("escalation").uid("cep-escalation");
        return sustained.union(immediate, cleared, escalations)
                .keyBy(AlertSignal::alertKey)
                .process(new AlertLifecycle(stateTtl)).name("alert lifecycle").uid("alert-lifecycle");
    }
}
