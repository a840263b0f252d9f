package io.plantline.pipeline.ingest;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Lets each device message through once: a second delivery of the same message (a QoS 1 redelivery after a bridge
 * restart or broker reconnect, an HTTP retry; the contract's MQTT section says what makes two the same) is dropped
 * and counted in {@code duplicateDeliveries}. Keyed by device.
 *
 * <p>State: per device, the identity keys of its messages with their event time, each kept until the watermark has
 * passed its time by the allowed lateness, when any later copy would be too late for the job anyway; one event-time
 * timer per device and minute sweeps them. A device that goes quiet therefore costs nothing after that.
 */
public final class DuplicateDeliveries<T extends IdentifiedMessage> extends KeyedProcessFunction<String, T, T> {

    private static final long MINUTE = 60_000;

    private final long keptMillis;
    private transient MapState<Long, Long> seen;
    private transient Counter duplicates;

    /** @param allowedLateness how long after the watermark a copy is still recognised */
    public DuplicateDeliveries(Duration allowedLateness) {
        this.keptMillis = allowedLateness.toMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        seen = getRuntimeContext().getMapState(new MapStateDescriptor<>("seen-messages", Types.LONG, Types.LONG));
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicateDeliveries");
    }

    @Override
    public void processElement(T message, Context ctx, Collector<T> out) throws Exception {
        long key = message.messageKey();
        if (key == IdentifiedMessage.NOT_DEDUPLICATED) {
            out.collect(message);
            return;
        }
        if (seen.contains(key)) {
            duplicates.inc();
            return;
        }
        seen.put(key, message.eventTime());
        ctx.timerService().registerEventTimeTimer(Math.floorDiv(message.eventTime(), MINUTE) * MINUTE + MINUTE + keptMillis);
        out.collect(message);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<T> out) throws Exception {
        long forgetBefore = ctx.timerService().currentWatermark() - keptMillis;
        boolean anyKept = false;
        for (Iterator<Map.Entry<Long, Long>> entries = seen.iterator(); entries.hasNext(); ) {
            if (entries.next().getValue() < forgetBefore) {
                entries.remove();
            } else {
                anyKept = true;
            }
        }
        if (!anyKept) {
            seen.clear();
        }
    }
}
