package io.plantline.pipeline.rules;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Watermarks for the rules stream. Rule changes carry no event time, yet an operator joining them with
 * readings takes the smaller of its two inputs' watermarks; announcing "all of time has passed" keeps the
 * readings' watermark in charge. A rule applies from the moment the operator sees it.
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
        output.emitWatermark(new Watermark(Long.MAX_VALUE));
    }
}
