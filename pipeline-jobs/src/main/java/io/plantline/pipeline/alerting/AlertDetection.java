package io.plantline.pipeline.alerting;

import java.time.Duration;
import org.apache.flink.cep.CEP;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The alerting part of the graph: rule evaluations keyed by device and rule, the three {@link AlertPatterns}, and
 * the {@link AlertLifecycle} that turns their matches into alert rows (main output) and changes (side output).
 */
public final class AlertDetection {

    private AlertDetection() {
    }

    public static SingleOutputStreamOperator<AlertRow> alerts(DataStream<RuleEvaluation> evaluations, Duration stateTtl) {
        KeyedStream<RuleEvaluation, String> byAlert = evaluations.keyBy(RuleEvaluation::alertKey);
        DataStream<AlertSignal> sustained = CEP.pattern(byAlert, AlertPatterns.sustainedBreach())
                .process(new ToAlertSignal(AlertSignal.Kind.SUSTAINED, AlertPatterns.REACHED))
                .name("sustained breach").uid("cep-sustained-breach");
        DataStream<AlertSignal> cleared = CEP.pattern(byAlert, AlertPatterns.sustainedClear())
                .process(new ToAlertSignal(AlertSignal.Kind.CLEAR_SUSTAINED, AlertPatterns.REACHED))
                .name("sustained clear").uid("cep-sustained-clear");
        DataStream<AlertSignal> escalations = CEP.pattern(
                        evaluations.filter(RuleEvaluation::escalates).name("rules that escalate").uid("escalating-rules")
                                .keyBy(RuleEvaluation::alertKey),
                        AlertPatterns.escalation())
                .process(new ToAlertSignal(AlertSignal.Kind.ESCALATION_DUE, AlertPatterns.ESCALATED))
                .name("escalation").uid("cep-escalation");
        return sustained.union(cleared, escalations)
                .keyBy(AlertSignal::alertKey)
                .process(new AlertLifecycle(stateTtl)).name("alert lifecycle").uid("alert-lifecycle");
    }
}
