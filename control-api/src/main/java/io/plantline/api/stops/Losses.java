package io.plantline.api.stops;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Where a range's planned time went, as the shifts contract sums it over scheduled minutes: the part of each stop
 * in them per category ({@code stopLossMs}) and per reason (the Pareto), the speed loss {@code runMs - idealMs} and
 * the quality loss {@code idealMs - goodIdealMs}, so that {@code plannedMs - goodIdealMs = stopLossTotalMs +
 * speedLossMs + qualityLossMs}. Where any scheduled minute had no ideal cycle time, {@code idealMs},
 * {@code goodIdealMs}, {@code speedLossMs} and {@code qualityLossMs} are null; the stop losses stay known.
 */
public record Losses(Map<String, String> scope, Instant from, Instant to, long plannedMs, long runMs,
              Double idealMs, Double goodIdealMs, long stopLossTotalMs, Map<String, Long> stopLossMs, Double speedLossMs,
              Double qualityLossMs, List<ReasonLoss> pareto) {

    /**
     * One reason's share: {@code reasonCode} null for stops without a reason, {@code reasonName} null for a reason
     * outside the catalogue; {@code stops} the number of its stops that began in the range.
     */
    public record ReasonLoss(String reasonCode, String reasonName, long lostMs, long stops) {
    }
}
