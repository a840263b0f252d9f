package io.plantline.pipeline.alerting;

import java.time.Duration;
import org.apache.flink.cep.CEP;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The alerting part of the graph: rule evaluations put in event-time order ({@link EventTimeOrder}), keyed by device
 * and rule, the three {@link AlertPatterns} (CEP consuming that order as it arrives), and the {@link AlertLifecycle}
 * that turns their matches into alert rows (main output) and changes (side output).
 */
public final class AlertDetection {

    private AlertDetection() {
    }

    public static SingleOutputStreamOperator<AlertRow> alerts(DataStream<RuleEvaluation> unordered, Duration stateTtl) {
        DataStream<RuleEvaluation> evaluations = unordered
                .transform("order by event time", unordered.getType(), new EventTimeOrder()).uid("event-time-order")
                // Same parallelism as the input, so each device's evaluations stay on one forward channel.
                .setParallelism(unordered.getParallelism());
        KeyedStream<RuleEvaluation, String> byAlert = evaluations.keyBy(RuleEvaluation::alertKey);
        DataStream<AlertSignal> sustained = CEP.pattern(byAlert, AlertPatterns.sustainedBreach()).inProcessingTime()
                .process(new ToAlertSignal(AlertSignal.Kind.SUSTAINED, AlertPatterns.REACHED))
                .name("sustained breach").uid("cep-sustained-breach");
        DataStream<AlertSignal> cleared = CEP.pattern(byAlert, AlertPatterns.sustainedClear()).inProcessingTime()
                .process(new ToAlertSignal(AlertSignal.Kind.CLEAR_SUSTAINED, AlertPatterns.REACHED))
                .name("sustained clear").uid("cep-sustained-clear");
        DataStream<AlertSignal> escalations = CEP.pattern(
                        evaluations.filter(RuleEvaluation::escalates).name("rules that escalate").uid("escalating-rules")
                                .keyBy(RuleEvaluation::alertKey),
                        AlertPatterns.escalation()).inProcessingTime()
                .process(new ToAlertSignal(AlertSignal.Kind.ESCALATION_DUE, AlertPatterns.ESCALATED))
                .name("escalation").uid("cep-escalation");
        return sustained.union(cleared, escalations)
                .keyBy(AlertSignal::alertKey)
                .process(new AlertLifecycle(stateTtl)).name("alert lifecycle").uid("alert-lifecycle");
    }
}
