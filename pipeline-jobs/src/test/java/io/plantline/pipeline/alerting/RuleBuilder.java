package io.plantline.pipeline.alerting;

import io.plantline.model.AlertRule;
import io.plantline.model.Comparison;
import io.plantline.model.RuleScope;
import io.plantline.model.Severity;
import java.util.Optional;

/** Test rules: {@code RuleBuilder.rule("hot").above(80).forSeconds(10).build()}; organisation {@code acme}. */
public final class RuleBuilder {

    private final String ruleId;
    private RuleScope scope = RuleScope.organisation();
    private String metric = "temperature";
    private Comparison operator = Comparison.GREATER;
    private double threshold = 80;
    private Optional<Integer> forSeconds = Optional.of(10);
    private Optional<Integer> count = Optional.empty();
    private Optional<Double> clearThreshold = Optional.empty();
    private Severity severity = Severity.WARNING;
    private Optional<AlertRule.Escalation> escalation = Optional.empty();
    private boolean enabled = true;

    private RuleBuilder(String ruleId) {
        this.ruleId = ruleId;
    }

    public static RuleBuilder rule(String ruleId) {
        return new RuleBuilder(ruleId);
    }

    public RuleBuilder metric(String metric) {
        this.metric = metric;
        return this;
    }

    public RuleBuilder above(double threshold) {
        this.operator = Comparison.GREATER;
        this.threshold = threshold;
        return this;
    }

    public RuleBuilder below(double threshold) {
        this.operator = Comparison.LESS;
        this.threshold = threshold;
        return this;
    }

    public RuleBuilder forSeconds(int seconds) {
        this.forSeconds = Optional.of(seconds);
        this.count = Optional.empty();
        return this;
    }

    public RuleBuilder count(int readings) {
        this.count = Optional.of(readings);
        this.forSeconds = Optional.empty();
        return this;
    }

    public RuleBuilder clearAt(double clearThreshold) {
        this.clearThreshold = Optional.of(clearThreshold);
        return this;
    }

    public RuleBuilder severity(Severity severity) {
        this.severity = severity;
        return this;
    }

    public RuleBuilder escalateAfter(int seconds, Severity to) {
        this.escalation = Optional.of(new AlertRule.Escalation(seconds, to));
        return this;
    }

    public RuleBuilder device(String deviceId) {
        this.scope = RuleScope.device(deviceId);
        return this;
    }

    public RuleBuilder disabled() {
        this.enabled = false;
        return this;
    }

    public AlertRule build() {
        return new AlertRule(ruleId, "acme", scope, metric, operator, threshold, forSeconds, count, clearThreshold,
                severity, escalation, enabled);
    }
}
