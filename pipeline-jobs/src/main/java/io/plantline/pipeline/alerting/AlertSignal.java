package io.plantline.pipeline.alerting;

import io.plantline.model.Severity;

/**
 * What a CEP pattern found for one device and rule: a breach held long enough ({@code SUSTAINED}), a breach still
 * held the escalation delay after that ({@code ESCALATION_DUE}), or a return beyond the clear threshold held long
 * enough ({@code CLEAR_SUSTAINED}). {@code at} is the event time of the reading that completed the match,
 * {@code value} that reading's value and {@code peak} the worst value of the match.
 */
public record AlertSignal(Kind kind, String orgSlug, String deviceId, String ruleId, String metric, long at,
                          double value, double peak, Severity severity, boolean higherIsWorse) {

    /** In this order when two signals share a timestamp. */
    public enum Kind {
        SUSTAINED,
        ESCALATION_DUE,
        CLEAR_SUSTAINED
    }

    public String alertKey() {
        return orgSlug + '/' + deviceId + '/' + ruleId;
    }
}
