package io.plantline.pipeline.alerting;

import io.plantline.model.AlertRule;
import io.plantline.model.Comparison;
import io.plantline.model.Severity;
import io.plantline.pipeline.ingest.MetricPoint;
import io.plantline.pipeline.ingest.DeviceRecord;

/**
 * One reading judged against one rule: whether it breaches the threshold, whether it is back beyond the clear
 * threshold, and the rule's sustain and escalation terms as they stood when the reading was judged. Carrying the
 * terms in the event lets one fixed CEP pattern serve every rule.
 *
 * @param sustainMillis      the breach must hold this long ({@code forSeconds}), or -1 when the rule counts readings
 * @param sustainReadings    the breach must hold for this many consecutive readings ({@code count}), or -1
 * @param escalateAfterMillis still breaching this long after opening escalates, or -1 when the rule has no escalation
 * @param escalationSeverity the severity an escalation raises to; the rule's severity when it has none
 * @param higherIsWorse      the rule alarms on high values, so the peak is the maximum (else the minimum)
 * @param marks              where the reading stands in its runs ({@link PatternRelevance})
 */
public record RuleEvaluation(String orgSlug, String deviceId, String ruleId, String metric, long ts, double value,
                             boolean breaching, boolean clearing, long sustainMillis, int sustainReadings,
                             long escalateAfterMillis, Severity severity, Severity escalationSeverity,
                             boolean higherIsWorse, RunMarks marks) implements DeviceRecord {

    @Override
    public long eventTime() {
        return ts;
    }

    public static RuleEvaluation of(AlertRule rule, MetricPoint point) {
        return new RuleEvaluation(point.orgSlug(), point.deviceId(), rule.ruleId(), point.metric(), point.ts(),
                point.value(),
                rule.breaches(point.value()),
                !rule.operator().holds(point.value(), rule.effectiveClearThreshold()),
                rule.forSeconds().map(seconds -> seconds * 1000L).orElse(-1L),
                rule.count().orElse(-1),
                rule.escalation().map(step -> step.afterSeconds() * 1000L).orElse(-1L),
                rule.severity(),
                rule.escalation().map(AlertRule.Escalation::severity).orElse(rule.severity()),
                rule.operator() == Comparison.GREATER || rule.operator() == Comparison.GREATER_OR_EQUAL,
                RunMarks.UNMARKED);
    }

    /** This evaluation with its place in the runs of its device and rule. */
    public RuleEvaluation marked(RunMarks runMarks) {
        return new RuleEvaluation(orgSlug, deviceId, ruleId, metric, ts, value, breaching, clearing, sustainMillis,
                sustainReadings, escalateAfterMillis, severity, escalationSeverity, higherIsWorse, runMarks);
    }

    /** The run-breaking marker for this evaluation's key ({@link RunMarks#runBroken}). */
    RuleEvaluation runBreaker() {
        return new RuleEvaluation(orgSlug, deviceId, ruleId, metric, ts, value, false, false, sustainMillis,
                sustainReadings, escalateAfterMillis, severity, escalationSeverity, higherIsWorse, RunMarks.BROKEN);
    }

    public boolean forBreach() {
        return marks.forBreach();
    }

    public boolean forEscalation() {
        return marks.forEscalation();
    }

    public boolean forClear() {
        return marks.forClear();
    }

    /** The sustain term is met by one reading alone (0 s, or 1 reading). */
    public boolean sustainImmediate() {
        return sustainMillis == 0 || sustainReadings == 1;
    }

    @Override
    public String deviceKey() {
        return orgSlug + '/' + deviceId;
    }

    /** The CEP key: one pattern instance per device and rule. */
    public String alertKey() {
        return orgSlug + '/' + deviceId + '/' + ruleId;
    }

    public boolean escalates() {
        return escalateAfterMillis >= 0;
    }

    /** Whether a run from {@code firstTs} to this reading, {@code readings} long, satisfies the rule's sustain term. */
    public boolean sustainedSince(long firstTs, int readings) {
        return sustainMillis >= 0 ? ts - firstTs >= sustainMillis : readings >= sustainReadings;
    }

    /** Whether the escalation delay has passed since {@code openedAt}. */
    public boolean escalationDueSince(long openedAt) {
        return escalates() && ts - openedAt >= escalateAfterMillis;
    }

    /** The worse of two values in the rule's direction. */
    public double worse(double a, double b) {
        return higherIsWorse ? Math.max(a, b) : Math.min(a, b);
    }
}
