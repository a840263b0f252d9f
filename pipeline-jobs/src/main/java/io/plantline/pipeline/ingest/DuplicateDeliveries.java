package io.plantline.pipeline.ingest;

import java.time.Duration;
import java.util.Arrays;
import org.apache.flink.api.common.functions.OpenContext;
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
 * and counted in {@code duplicateDeliveries}. Keyed by device.
 *
 * <p>State: per device and second of event time, the identity keys of its messages (a copy has the same event time,
 * so it is looked for in one short array), each second kept until the watermark has passed its minute by the allowed
 * lateness, when any later copy would be too late for the job anyway; one event-time timer per device and minute
 * then removes that minute's seconds by key. Nothing is ever iterated: iterating RocksDB map state walks over the
 * deletions of earlier sweeps until compaction removes them, and that walk held the analytics job to one core's
 * worth of 20,000 data points/s (docs/benchmarks.md, issue 22). A device that goes quiet costs nothing after that.
 */
public final class DuplicateDeliveries<T extends IdentifiedMessage> extends KeyedProcessFunction<String, T, T> {

    private static final long SECOND = 1_000;
    private static final long MINUTE = 60_000;

    private final long keptMillis;
    private transient MapState<Long, long[]> seenBySecond;
    private transient Counter duplicates;

    /** @param allowedLateness how long after the watermark a copy is still recognised */
    public DuplicateDeliveries(Duration allowedLateness) {
        this.keptMillis = allowedLateness.toMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        seenBySecond = getRuntimeContext().getMapState(new MapStateDescriptor<>("seen-messages-by-second", Types.LONG,
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
        long second = Math.floorDiv(message.eventTime(), SECOND);
        long[] seen = seenBySecond.get(second);
        if (seen != null && contains(seen, key)) {
            duplicates.inc();
            return;
        }
        seenBySecond.put(second, append(seen, key));
        ctx.timerService().registerEventTimeTimer(Math.floorDiv(message.eventTime(), MINUTE) * MINUTE + MINUTE + keptMillis);
        out.collect(message);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<T> out) throws Exception {
        long firstSecond = (timestamp - keptMillis - MINUTE) / SECOND;
        for (long second = firstSecond; second < firstSecond + MINUTE / SECOND; second++) {
            seenBySecond.remove(second);
        }
    }

    private static boolean contains(long[] keys, long key) {
        for (long k : keys) {
            if (k == key) {
                return true;
            }
        }
        return false;
    }

    private static long[] append(long[] keys, long key) {
        if (keys == null) {
            return new long[] {key};
        }
        long[] more = Arrays.copyOf(keys, keys.length + 1);
        more[keys.length] = key;
        return more;
    }
}
