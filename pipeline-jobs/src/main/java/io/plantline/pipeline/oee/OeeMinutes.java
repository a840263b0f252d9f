package io.plantline.pipeline.oee;

import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceRef;
import io.plantline.model.MachineState;
import io.plantline.model.MachineStateChange;
import io.plantline.model.PartCount;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.shifts.CalendarSchedule;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import io.plantline.pipeline.sink.DeadLetters;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * One machine's OEE minutes, driven by event-time timers. Events wait until the watermark passes their minute and
 * are then applied in event-time order (so out-of-order events within the bound give the same rows, whichever of
 * them is read first); every minute after the machine's first event gets its row, with the state carried on, until
 * the machine has sent nothing for the state TTL. Events behind the watermark but within the allowed lateness are
 * kept and the minutes they touch are recomputed and written again; later still they are dead letters
 * ({@code too_late}). Each settings record replaces the machine's whole ideal cycle time schedule and shift calendar
 * schedule; where the new ones differ in minutes already written and still within the allowed lateness, they are
 * recomputed too.
 *
 * <p>State: the events of the last {@code allowedLateness} (plus the current minute), the machine's state at the
 * first of them, and how far minutes were written, all dropped after {@code stateTtl} without a write; and the ideal
 * cycle time and calendar schedules, kept without a TTL for as long as the device exists (a deleted device's settings record is a
 * tombstone, which clears it).
 */
public final class OeeMinutes extends KeyedCoProcessFunction<String, MachineEventRecord, MachineSettings, OeeMinute> {

    private static final long MINUTE = MinuteAccounting.MINUTE_MS;
    private static final Comparator<MachineEvent> EVENT_TIME_ORDER = Comparator.comparingLong(MachineEvent::ts);

    private final String jobName;
    private final Duration allowedLateness;
    private final Duration stateTtl;
    private transient ListState<MachineEvent> retained;
    private transient ValueState<Long> retainedFrom;
    private transient ValueState<MachineState> stateAtRetainedFrom;
    private transient ValueState<Long> writtenUpTo;
    private transient ValueState<Long> rewriteFrom;
    private transient ValueState<Long> lastEventAt;
    private transient MapState<Long, Double> idealCycleMs;
    private transient ValueState<String> calendarJson;
    private transient DeviceMessageCodec codec;

    public OeeMinutes(String jobName, Duration allowedLateness, Duration stateTtl) {
        this.jobName = jobName;
        this.allowedLateness = allowedLateness;
        this.stateTtl = stateTtl;
    }

    @Override
    public void open(OpenContext openContext) {
        StateTtlConfig ttl = StateTtlConfig.newBuilder(stateTtl).build();
        retained = getRuntimeContext().getListState(withTtl(
                new ListStateDescriptor<>("retained-events", MachineEvent.class), ttl));
        retainedFrom = getRuntimeContext().getState(withTtl(new ValueStateDescriptor<>("retained-from", Types.LONG), ttl));
        stateAtRetainedFrom = getRuntimeContext().getState(withTtl(
                new ValueStateDescriptor<>("state-at-retained-from", MachineState.class), ttl));
        writtenUpTo = getRuntimeContext().getState(withTtl(new ValueStateDescriptor<>("written-up-to", Types.LONG), ttl));
        rewriteFrom = getRuntimeContext().getState(withTtl(new ValueStateDescriptor<>("rewrite-from", Types.LONG), ttl));
        lastEventAt = getRuntimeContext().getState(withTtl(new ValueStateDescriptor<>("last-event-at", Types.LONG), ttl));
        // No TTL: a machine whose settings never change must keep them for weeks (issue 16).
        idealCycleMs = getRuntimeContext().getMapState(new MapStateDescriptor<>("ideal-cycle-ms", Types.LONG, Types.DOUBLE));
        calendarJson = getRuntimeContext().getState(new ValueStateDescriptor<>("calendar-schedule", Types.STRING));
    }

    private static <T extends StateDescriptor<?, ?>> T withTtl(T descriptor, StateTtlConfig ttl) {
        descriptor.enableTimeToLive(ttl);
        return descriptor;
    }

    @Override
    public void processElement1(MachineEventRecord record, Context ctx, Collector<OeeMinute> out) throws Exception {
        MachineEvent event = record.event();
        if (MinuteAccounting.bucketOf(event.ts()) < finalBefore(ctx.timerService().currentWatermark())) {
            ctx.output(DeadLetters.TAG, tooLate(record, ctx.getCurrentKey()));
            return;
        }
        Long from = retainedFrom.value();
        if (from == null) {
            retainedFrom.update(MinuteAccounting.bucketOf(event.ts()));
            writtenUpTo.update(MinuteAccounting.bucketOf(event.ts()));
        } else if (event.ts() < from) {
            retainEarlierFrom(MinuteAccounting.bucketOf(event.ts()), from);
        }
        retained.add(event);
        lastEventAt.update(Math.max(event.ts(), lastEventAt.value() == null ? Long.MIN_VALUE : lastEventAt.value()));
        if (rewriteIfWritten(event.ts())) {
            write(ctx.getCurrentKey(), writtenUpTo.value(), out);   // a correction need not wait for the watermark
        }
        ctx.timerService().registerEventTimeTimer(MinuteAccounting.bucketOf(event.ts()) + MINUTE - 1);
    }

    /** Minutes before this are final: the allowed lateness behind the watermark has passed them. */
    private long finalBefore(long watermark) {
        return watermark == Long.MIN_VALUE ? Long.MIN_VALUE
                : MinuteAccounting.bucketOf(watermark - allowedLateness.toMillis());
    }

    /**
     * An event earlier than every retained one that is not yet final: only possible before any minute was forgotten,
     * when the retained events start with the machine's first one read, so the machine's state before it is still
     * unknown. The retained period starts at its minute, and the minutes from there on are written (again).
     */
    private void retainEarlierFrom(long bucket, long from) throws Exception {
        retainedFrom.update(bucket);
        if (writtenUpTo.value() == from) {
            writtenUpTo.update(bucket);
        } else if (rewriteFrom.value() == null || bucket < rewriteFrom.value()) {
            rewriteFrom.update(bucket);
        }
    }

    @Override
    public void processElement2(MachineSettings setting, Context ctx, Collector<OeeMinute> out) throws Exception {
        long changedFrom = Math.min(idealCycleHistory().firstDifference(setting.history()),
                calendar().firstDifference(setting.calendar()).map(Instant::toEpochMilli).orElse(Long.MAX_VALUE));
        idealCycleMs.clear();
        for (int i = 0; i < setting.effectiveFrom().length; i++) {
            idealCycleMs.put(setting.effectiveFrom()[i], setting.idealCycleMs()[i]);
        }
        calendarJson.update(setting.calendarJson());
        Long from = retainedFrom.value();
        if (from != null && changedFrom != Long.MAX_VALUE && rewriteIfWritten(Math.max(changedFrom, from))) {
            write(ctx.getCurrentKey(), writtenUpTo.value(), out);
        }
    }

    /** A change at {@code ts} in a minute already written: that minute and the ones after it must be written again. */
    private boolean rewriteIfWritten(long ts) throws Exception {
        long bucket = MinuteAccounting.bucketOf(ts);
        if (bucket >= writtenUpTo.value()) {
            return false;
        }
        if (rewriteFrom.value() == null || bucket < rewriteFrom.value()) {
            rewriteFrom.update(bucket);
        }
        return true;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<OeeMinute> out) throws Exception {
        if (retainedFrom.value() == null) {
            return;
        }
        long watermark = ctx.timerService().currentWatermark();
        long upTo = MinuteAccounting.bucketOf(watermark + 1);   // minutes that ended at or before the watermark
        List<MachineEvent> events = write(ctx.getCurrentKey(), upTo, out);
        forgetFinalMinutes(events, Math.min(upTo, MinuteAccounting.bucketOf(watermark - allowedLateness.toMillis())));
        boolean alive = lastEventAt.value() != null && watermark - lastEventAt.value() < stateTtl.toMillis();
        if (alive) {
            ctx.timerService().registerEventTimeTimer(writtenUpTo.value() + MINUTE - 1);
        }
    }

    /**
     * Writes the minutes not written yet before {@code upTo}, and again those a change touched; returns the
     * retained events in event-time order.
     */
    private List<MachineEvent> write(String deviceKey, long upTo, Collector<OeeMinute> out) throws Exception {
        long from = retainedFrom.value();
        long written = writtenUpTo.value();
        long writeFrom = rewriteFrom.value() == null ? written : Math.min(written, rewriteFrom.value());
        List<MachineEvent> events = new ArrayList<>();
        retained.get().forEach(events::add);
        events.sort(EVENT_TIME_ORDER);
        if (upTo > writeFrom) {
            List<MachineEvent> due = events.stream().filter(event -> event.ts() < upTo).toList();
            String[] device = deviceKey.split("/", 2);
            for (OeeMinute minute : MinuteAccounting.minutes(device[0], device[1], stateAtRetainedFrom.value(), due,
                    idealCycleHistory(), calendar(), from, upTo)) {
                if (minute.bucketStart() >= writeFrom) {
                    out.collect(minute);
                }
            }
            writtenUpTo.update(Math.max(written, upTo));
        }
        rewriteFrom.clear();
        return events;
    }

    /** Minutes before {@code newFrom} can no longer change: keep only the machine's state at their end. */
    private void forgetFinalMinutes(List<MachineEvent> events, long newFrom) throws Exception {
        long from = retainedFrom.value();
        if (newFrom <= from) {
            return;
        }
        MachineState state = stateAtRetainedFrom.value();
        List<MachineEvent> kept = new ArrayList<>();
        for (MachineEvent event : events) {
            if (event.ts() < newFrom) {
                state = event.isStateChange() ? event.state() : state;
            } else {
                kept.add(event);
            }
        }
        retained.update(kept);
        retainedFrom.update(newFrom);
        if (state != null) {
            stateAtRetainedFrom.update(state);
        }
    }

    private IdealCycleHistory idealCycleHistory() throws Exception {
        IdealCycleHistory history = new IdealCycleHistory();
        for (Map.Entry<Long, Double> setting : idealCycleMs.entries()) {
            history.set(setting.getKey(), Double.isNaN(setting.getValue()) ? null : setting.getValue());
        }
        return history;
    }

    private CalendarSchedule calendar() throws Exception {
        return MachineSettings.calendarOf(calendarJson.value());
    }

    private DeadLetter tooLate(MachineEventRecord record, String deviceKey) {
        if (codec == null) {
            codec = DeviceMessageCodec.withDefaults();
        }
        MachineEvent event = record.event();
        DeviceRef device = new DeviceRef(record.orgSlug(), record.deviceId());
        Instant ts = Instant.ofEpochMilli(event.ts());
        // The job no longer holds the record's bytes; this is the same event in the topic's format.
        byte[] raw = codec.encode(event.isStateChange()
                ? new MachineStateChange(device, ts, ts, event.state())
                : new PartCount(device, ts, ts, event.total(), event.good()));
        return DeadLetter.of(Instant.now(), jobName, new Rejection(RejectReason.TOO_LATE,
                        "machine event at " + ts + " is older than the allowed lateness (" + allowedLateness.toMillis()
                                + " ms); its minutes are final"),
                "oee_1m", deviceKey, raw);
    }
}
