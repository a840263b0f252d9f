package io.plantline.pipeline.oee;

import java.util.List;

/**
 * One row of {@code oee_1m}: one machine, the minute from {@code bucketStart} (epoch millis), where its time went
 * ({@code times}) and the OEE components derived from them and its counts. {@code idealCycleMs}
 * is the ideal cycle time the minute's parts were made at (weighted by parts if it changed within the minute, so
 * that ideal_ms = ideal_cycle_ms x total_count holds), or the one in force at the minute's end when it made none;
 * null when unknown. {@code stops} are the stops that its idle and down time went to (their {@code ms} sum to
 * {@code idle + down}), and any that ended at its start.
 */
public record OeeMinute(String orgSlug, String deviceId, long bucketStart, MinuteTimes times,
                        OeeComponents components, Double idealCycleMs, List<StopMinute> stops) {
}
