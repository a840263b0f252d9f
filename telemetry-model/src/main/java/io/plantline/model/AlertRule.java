package io.plantline.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A threshold rule: alert when {@code metric} {@code operator} {@code threshold} holds for {@code forSeconds}
 * or for {@code count} consecutive readings (exactly one of the two), clear when the value is back beyond
 * {@code clearThreshold} (hysteresis; the threshold itself when absent), and optionally escalate.
 * Validation lists every problem at once, so the API can return them all.
 */
public record AlertRule(String ruleId, String orgSlug, RuleScope scope, String metric, Comparison operator,
                        double threshold, Optional<Integer> forSeconds, Optional<Integer> count,
                        Optional<Double> clearThreshold, Severity severity, Optional<Escalation> escalation,
                        boolean enabled) implements RulesTopicValue {

    public static final int MAX_SUSTAIN_SECONDS = 24 * 3600;
    public static final int MAX_SUSTAIN_COUNT = 10_000;

    /** Still breaching {@code afterSeconds} after opening: raise the alert to {@code severity}. */
    public record Escalation(int afterSeconds, Severity severity) {
    }

    public AlertRule {
        forSeconds = Objects.requireNonNullElse(forSeconds, Optional.empty());
        count = Objects.requireNonNullElse(count, Optional.empty());
        clearThreshold = Objects.requireNonNullElse(clearThreshold, Optional.empty());
        escalation = Objects.requireNonNullElse(escalation, Optional.empty());
        List<String> problems = problems(ruleId, orgSlug, scope, metric, operator, threshold, forSeconds, count,
                clearThreshold, severity, escalation);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    @Override
    public String key() {
        return orgSlug + "/rule/" + ruleId;
    }

    /** The value beyond which an open alert clears: the clear threshold, or the threshold itself. */
    @JsonIgnore
    public double effectiveClearThreshold() {
        return clearThreshold.orElse(threshold);
    }

    public boolean breaches(double value) {
        return operator.holds(value, threshold);
    }

    private static List<String> problems(String ruleId, String orgSlug, RuleScope scope, String metric,
                                         Comparison operator, double threshold, Optional<Integer> forSeconds,
                                         Optional<Integer> count, Optional<Double> clearThreshold,
                                         Severity severity, Optional<Escalation> escalation) {
        List<String> problems = new ArrayList<>();
        if (ruleId == null || !Limits.IDENTIFIER.matcher(ruleId).matches()) {
            problems.add("ruleId must match " + Limits.IDENTIFIER.pattern());
        }
        if (orgSlug == null || !DeviceRef.ORG_SLUG.matcher(orgSlug).matches()) {
            problems.add("orgSlug must match " + DeviceRef.ORG_SLUG.pattern());
        }
        if (scope == null) {
            problems.add("scope is required");
        }
        if (metric == null || !Limits.METRIC_NAME.matcher(metric).matches()) {
            problems.add("metric must match " + Limits.METRIC_NAME.pattern());
        }
        if (operator == null) {
            problems.add("operator is required: one of >, >=, <, <=");
        }
        if (!Double.isFinite(threshold)) {
            problems.add("threshold must be a finite number");
        }
        if (forSeconds.isPresent() == count.isPresent()) {
            problems.add("exactly one of forSeconds and count is required");
        }
        forSeconds.filter(seconds -> seconds < 0 || seconds > MAX_SUSTAIN_SECONDS)
                .ifPresent(seconds -> problems.add("forSeconds must be between 0 and " + MAX_SUSTAIN_SECONDS));
        count.filter(readings -> readings < 1 || readings > MAX_SUSTAIN_COUNT)
                .ifPresent(readings -> problems.add("count must be between 1 and " + MAX_SUSTAIN_COUNT));
        clearThreshold.ifPresent(clear -> {
            if (!Double.isFinite(clear)) {
                problems.add("clearThreshold must be a finite number");
            } else if (operator != null && Double.isFinite(threshold) && operator.holds(clear, threshold)) {
                problems.add("clearThreshold must not itself breach the threshold");
            }
        });
        if (severity == null) {
            problems.add("severity is required: one of INFO, WARNING, MAJOR, CRITICAL");
        }
        escalation.ifPresent(step -> {
            if (step.afterSeconds() < 1 || step.afterSeconds() > MAX_SUSTAIN_SECONDS) {
                problems.add("escalation.afterSeconds must be between 1 and " + MAX_SUSTAIN_SECONDS);
            }
            if (step.severity() == null || (severity != null && step.severity().compareTo(severity) <= 0)) {
                problems.add("escalation.severity must be above the rule's severity");
            }
        });
        return problems;
    }
}
