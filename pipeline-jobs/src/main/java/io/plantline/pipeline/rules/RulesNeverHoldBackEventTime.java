package io.plantline.pipeline.rules;

import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Watermarks for the rules stream. Rule changes carry no event time, yet an operator joining them with readings
 * takes the smaller of its inputs' watermarks. Declaring the rules input idle leaves the readings' watermark in
 * charge. (Announcing "all of time has passed" instead would be wrong: while the readings' partitions are idle
 * that watermark alone would reach the CEP operators, and every reading after it would be late.)
 * A rule applies from the moment the operator sees it.
 */
public final class RulesNeverHoldBackEventTime implements WatermarkGenerator<RuleChange> {

    public static WatermarkStrategy<RuleChange> strategy() {
        return WatermarkStrategy.forGenerator(context -> new RulesNeverHoldBackEventTime());
    }

    @Override
    public void onEvent(RuleChange change, long eventTimestamp, WatermarkOutput output) {
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        output.markIdle();
    }
}
