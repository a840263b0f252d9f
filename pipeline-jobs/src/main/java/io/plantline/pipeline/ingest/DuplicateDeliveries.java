package io.plantline.pipeline.ingest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Lets each device message through once: a second delivery of the same message (a QoS 1 redelivery after a bridge
 * restart or broker reconnect, an HTTP retry; the contract's MQTT section says what makes two the same) is dropped
 * and counted in {@code duplicateDeliveries}, whatever event time each copy carries. Keyed by device.
 *
 * <p>State: per device, the identity keys of the messages it let through, in a map looked up by key (one point read
 * per message), and the same keys with the time each may be forgotten in a list that a message appends to without
 * reading it. A key is kept until the watermark has passed its message's minute by the allowed lateness, when any
 * later copy would be too late for the job anyway; one event-time timer per device and minute then reads the list,
 * removes the keys whose time has come from the map by key and keeps the rest. The map is never iterated: iterating
 * RocksDB map state walks over the deletions of earlier sweeps until compaction removes them, and that walk held the
 * analytics job to one core's worth of 20,000 data points/s (docs/benchmarks.md). A device that goes quiet costs
 * nothing after that.
 */
public final class DuplicateDeliveries<T extends IdentifiedMessage> extends KeyedProcessFunction<String, T, T> {

    private static final long MINUTE = 60_000;

    private final long keptMillis;
    private transient MapState<Long, Boolean> seen;
    private transient ListState<long[]> forgetting;
    private transient Counter duplicates;

    /** @param allowedLateness how long after the watermark a copy is still recognised */
    public DuplicateDeliveries(Duration allowedLateness) {
        this.keptMillis = allowedLateness.toMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        seen = getRuntimeContext().getMapState(new MapStateDescriptor<>("seen-message-keys", Types.LONG, Types.BOOLEAN));
        forgetting = getRuntimeContext().getListState(new ListStateDescriptor<>("message-keys-to-forget",
                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
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
        long forgetAt = Math.floorDiv(message.eventTime(), MINUTE) * MINUTE + MINUTE + keptMillis;
        seen.put(key, Boolean.TRUE);
        forgetting.add(new long[] {key, forgetAt});
        ctx.timerService().registerEventTimeTimer(forgetAt);
        out.collect(message);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<T> out) throws Exception {
        List<long[]> kept = new ArrayList<>();
        for (long[] keyAndTime : forgetting.get()) {
            if (keyAndTime[1] <= timestamp) {
                seen.remove(keyAndTime[0]);
            } else {
                kept.add(keyAndTime);
            }
        }
        forgetting.update(kept);
    }
}
