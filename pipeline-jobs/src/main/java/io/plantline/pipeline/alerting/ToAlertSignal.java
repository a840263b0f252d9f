package io.plantline.pipeline.alerting;

import java.util.List;
import java.util.Map;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.util.Collector;

/** Turns one pattern match into a signal: the completing reading, and the worst value of the whole match. */
public final class ToAlertSignal extends PatternProcessFunction<RuleEvaluation, AlertSignal> {

    private final AlertSignal.Kind kind;
    private final String lastStage;

    public ToAlertSignal(AlertSignal.Kind kind, String lastStage) {
        this.kind = kind;
        this.lastStage = lastStage;
    }

    @Override
    public void processMatch(Map<String, List<RuleEvaluation>> match, Context ctx, Collector<AlertSignal> out) {
        RuleEvaluation last = match.get(lastStage).get(0);
        double peak = last.value();
        for (List<RuleEvaluation> stage : match.values()) {
            for (RuleEvaluation evaluation : stage) {
                peak = last.worse(peak, evaluation.value());
            }
        }
        out.collect(new AlertSignal(kind, last.orgSlug(), last.deviceId(), last.ruleId(), last.metric(), last.ts(),
                last.value(), peak,
                kind == AlertSignal.Kind.ESCALATION_DUE ? last.escalationSeverity() : last.severity(),
                last.higherIsWorse()));
    }
}
