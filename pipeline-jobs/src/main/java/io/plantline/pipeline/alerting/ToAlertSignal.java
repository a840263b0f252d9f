package io.plantline.pipeline.alerting;

import java.util.List;
import java.util.Map;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Turns one pattern match into a signal: the completing reading, with the worst value of its breach run so far,
 * which {@link PatternRelevance} carried in the marks (the run's readings between never reach the pattern).
 */
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
        out.collect(new AlertSignal(kind, last.orgSlug(), last.deviceId(), last.ruleId(), last.metric(), last.ts(),
                last.value(), last.marks().peak(),
                kind == AlertSignal.Kind.ESCALATION_DUE ? last.escalationSeverity() : last.severity(),
                last.higherIsWorse()));
    }
}
