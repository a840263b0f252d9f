package io.plantline.pipeline.oee;

import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceRef;
import io.plantline.model.MachineState;
import io.plantline.model.MachineStateChange;
import io.plantline.model.MessageId;
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
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * One machine's OEE minutes, each with the stops its idle and down time went to, driven by event-time timers. Events
 * wait until the watermark passes their minute and are then applied in event-time order (so out-of-order events within
 * the bound give the same rows, whichever of them is read first); every minute after the machine's first event gets
 * its row, with the state carried on, until the machine has sent nothing for the state TTL. Events behind the
 * watermark but within the allowed lateness are kept and the minutes they touch are recomputed and written again;
 * later still they are dead letters ({@code too_late}). Each settings record replaces the machine's whole ideal cycle
 * time schedule and shift calendar schedule; where the new ones differ in minutes already written and still within the
 * allowed lateness, they are recomputed too.
 *
 * <p>Signs of life (every message of the device, from any topic) say when it was last heard from: silent for
 * {@code offlineAfter}, it was offline from then until its next state event, and that time is unknown. A minute is written
 * before the silence after it is over, as if the device were still online; once event time has passed the silence's
 * end with nothing heard, the minutes from the time last heard are written again. A sign of life behind the watermark
 * but within the allowed lateness rewrites the minutes whose silences it changes; a later one is dropped and counted
 * ({@code lateSignsOfLife}), never a dead letter: telemetry would flood that topic.
 *
 * <p>State: the events of the last {@code allowedLateness} or {@code offlineAfter}, whichever is longer (plus the
 * current minute), the first and last time heard in each of those minutes, the machine at the first of them (its state
 * and reason, when the stop it is in began, whether it had a state, when it was heard last before), how far minutes
 * were written and from when they still assume the device online, all dropped after {@code stateTtl} without a write;
 * and the ideal cycle time and calendar schedules, kept without a TTL for as long as the device exists (a deleted
 * device's settings record is a tombstone, which clears it).
 */
public final class OeeMinutes extends KeyedCoProcessFunction<String, MachineEventRecord, MachineSettings, OeeMinute> {

    private static final long MINUTE = MinuteAccounting.MINUTE_MS;
    private static final Comparator<MachineEvent> EVENT_TIME_ORDER = Comparator.comparingLong(MachineEvent::ts);

    private final String jobName;
    private final Duration allowedLateness;
    private final Duration stateTtl;
    private final long offlineAfterMs;
    private transient ListState<MachineEvent> retained;
    private transient ValueState<long[]> heardTimes;
    private transient ValueState<Long> heardBeforeRetainedFrom;
    private transient ValueState<Boolean> stateSeenBeforeRetainedFrom;
    private transient ValueState<String> reasonAtRetainedFrom;
    private transient ValueState<Long> stopStartedBeforeRetainedFrom;
    private transient ValueState<Long> assumedOnlineAfter;
    private transient ValueState<Long> retainedFrom;
    private transient ValueState<MachineState> stateAtRetainedFrom;
    private transient ValueState<Long> writtenUpTo;
    private transient ValueState<Long> rewriteFrom;
    private transient ValueState<Long> lastEventAt;
    private transient MapState<Long, Double> idealCycleMs;
    private transient ValueState<String> calendarJson;
    private transient DeviceMessageCodec codec;
    private transient Counter lateSignsOfLife;

    /** @param offlineAfter a device silent this long was offline from when it was last heard; at least a minute */
    public OeeMinutes(String jobName, Duration allowedLateness, Duration stateTtl, Duration offlineAfter) {
        if (offlineAfter.toMillis() < MINUTE) {
            // Kept per minute as first and last time heard, a shorter silence could hide inside one minute.
            throw new IllegalArgumentException("offline-after must be at least a minute, not " + offlineAfter);
        }
        this.jobName = jobName;
        this.allowedLateness = allowedLateness;
        this.stateTtl = stateTtl;
        this.offlineAfterMs = offlineAfter.toMillis();
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
        heardTimes = getRuntimeContext().getState(withTtl(new ValueStateDescriptor<>("heard-times",
                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO), ttl));
        heardBeforeRetainedFrom = getRuntimeContext().getState(withTtl(
                new ValueStateDescriptor<>("heard-before-retained-from", Types.LONG), ttl));
        stateSeenBeforeRetainedFrom = getRuntimeContext().getState(withTtl(
                new ValueStateDescriptor<>("state-seen-before-retained-from", Types.BOOLEAN), ttl));
        reasonAtRetainedFrom = getRuntimeContext().getState(withTtl(
                new ValueStateDescriptor<>("reason-at-retained-from", Types.STRING), ttl));
        stopStartedBeforeRetainedFrom = getRuntimeContext().getState(withTtl(
                new ValueStateDescriptor<>("stop-started-before-retained-from", Types.LONG), ttl));
        assumedOnlineAfter = getRuntimeContext().getState(withTtl(
                new ValueStateDescriptor<>("assumed-online-after", Types.LONG), ttl));
        lateSignsOfLife = getRuntimeContext().getMetricGroup().counter("lateSignsOfLife");
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
        long watermark = ctx.timerService().currentWatermark();
        if (MinuteAccounting.bucketOf(event.ts()) < finalBefore(watermark)) {
            if (event.signOfLife()) {
                lateSignsOfLife.inc();
            } else {
                ctx.output(DeadLetters.TAG, tooLate(record, ctx.getCurrentKey()));
            }
            return;
        }
        Long last = lastEventAt.value();
        if (last == null || event.ts() > last) {
            lastEventAt.update(event.ts());
        }
        long silenceChangedFrom = heard(event.ts(), watermark);
        if (event.signOfLife()) {
            if (retainedFrom.value() != null && rewriteIfWritten(Math.max(silenceChangedFrom, retainedFrom.value()))) {
                write(ctx.getCurrentKey(), writtenUpTo.value(), ctx.timerService(), out);
            }
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
        boolean rewrite = rewriteIfWritten(event.ts());
        rewrite |= rewriteIfWritten(Math.max(silenceChangedFrom, retainedFrom.value()));
        if (rewrite) {
            write(ctx.getCurrentKey(), writtenUpTo.value(), ctx.timerService(), out);   // a correction need not wait
        }
        ctx.timerService().registerEventTimeTimer(MinuteAccounting.bucketOf(event.ts()) + MINUTE - 1);
    }

    /**
     * Notes that the device was heard from at {@code ts}; returns from when written minutes may have changed with it
     * ({@code Long.MAX_VALUE}: none). A time inside a written minute may split any silence that began up to
     * {@code offlineAfter} before it. A later one changes the written minutes only through the silence after the time
     * heard before it, and only when that silence is or was long enough to be offline, or was taken to be because
     * event time had passed its end.
     */
    private long heard(long ts, long watermark) throws Exception {
        HeardTimes heard = HeardTimes.of(heardTimes.value());
        Long before = heard.latestBefore(ts);
        before = before == null && retainedFrom.value() != null && ts >= retainedFrom.value() ? heardBefore() : before;
        Long after = heard.earliestAfter(ts);
        if (!heard.add(ts)) {
            return Long.MAX_VALUE;
        }
        if (retainedFrom.value() == null) {
            heard.forgetBefore(finalBefore(watermark));   // a device that is no machine keeps only the last minutes
        }
        heardTimes.update(heard.toArray());
        Long written = writtenUpTo.value();
        if (written == null) {
            return Long.MAX_VALUE;
        }
        if (ts < written) {
            return ts - offlineAfterMs;
        }
        if (before == null || before >= written) {
            return Long.MAX_VALUE;
        }
        boolean offlineBefore = after != null ? after - before >= offlineAfterMs : watermark >= before + offlineAfterMs;
        return ts - before >= offlineAfterMs || offlineBefore ? before : Long.MAX_VALUE;
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
            write(ctx.getCurrentKey(), writtenUpTo.value(), ctx.timerService(), out);
        }
    }

    /** A change at {@code ts} in a minute already written: that minute and the ones after it must be written again. */
    private boolean rewriteIfWritten(long ts) throws Exception {
        if (ts == Long.MAX_VALUE) {
            return false;
        }
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
        rewriteIfNowOffline(watermark);
        List<MachineEvent> events = write(ctx.getCurrentKey(), upTo, ctx.timerService(), out);
        long retainedFor = Math.max(allowedLateness.toMillis(), offlineAfterMs);
        forgetFinalMinutes(events, Math.min(upTo, MinuteAccounting.bucketOf(watermark - retainedFor)));
        boolean alive = lastEventAt.value() != null && watermark - lastEventAt.value() < stateTtl.toMillis();
        if (alive) {
            ctx.timerService().registerEventTimeTimer(writtenUpTo.value() + MINUTE - 1);
        }
    }

    /**
     * Minutes written while the silence after the time last heard was not over were written as if the device were
     * online; once that silence is known to be long enough (heard again too late, or event time past its end with
     * nothing heard), they are written again from that time.
     */
    private void rewriteIfNowOffline(long watermark) throws Exception {
        Long lastHeard = assumedOnlineAfter.value();
        if (lastHeard == null) {
            return;
        }
        Long next = HeardTimes.of(heardTimes.value()).earliestAfter(lastHeard);
        if (next == null && watermark < lastHeard + offlineAfterMs) {
            return;
        }
        if (next == null || next - lastHeard >= offlineAfterMs) {
            rewriteIfWritten(Math.max(lastHeard, retainedFrom.value()));
        }
        assumedOnlineAfter.clear();
    }

    /**
     * Writes the minutes not written yet before {@code upTo}, and again those a change touched, with the silences
     * over by the watermark; returns the retained events in event-time order.
     */
    private List<MachineEvent> write(String deviceKey, long upTo, TimerService timers, Collector<OeeMinute> out)
            throws Exception {
        long watermark = timers.currentWatermark();
        long from = retainedFrom.value();
        long written = writtenUpTo.value();
        long writeFrom = rewriteFrom.value() == null ? written : Math.min(written, rewriteFrom.value());
        List<MachineEvent> events = new ArrayList<>();
        retained.get().forEach(events::add);
        events.sort(EVENT_TIME_ORDER);
        if (upTo > writeFrom) {
            List<MachineEvent> due = events.stream().filter(event -> event.ts() < upTo).toList();
            HeardTimes heard = heardFrom(events);
            Long heardBefore = heardBefore();
            List<Long> offline = heard.offlineFrom(heardBefore, watermark, offlineAfterMs);
            String[] device = deviceKey.split("/", 2);
            for (OeeMinute minute : MinuteAccounting.minutes(device[0], device[1], startOfRetained(), due, offline,
                    idealCycleHistory(), calendar(), from, upTo)) {
                if (minute.bucketStart() >= writeFrom) {
                    out.collect(minute);
                }
            }
            writtenUpTo.update(Math.max(written, upTo));
            rememberAssumedOnline(heard, heardBefore, timers, writtenUpTo.value());
        }
        rewriteFrom.clear();
        return events;
    }

    /** If the last time heard in the written minutes has no end of its silence yet, when, and a timer for its end. */
    private void rememberAssumedOnline(HeardTimes heard, Long heardBefore, TimerService timers, long written)
            throws Exception {
        Long last = heard.latestBefore(written);
        last = last == null ? heardBefore : last;
        if (last != null && heard.earliestAfter(last) == null && timers.currentWatermark() < last + offlineAfterMs) {
            assumedOnlineAfter.update(last);
            timers.registerEventTimeTimer(last + offlineAfterMs);
        } else {
            assumedOnlineAfter.clear();
        }
    }

    /** The times heard, with those of the retained events (state kept by a version without heard times has none). */
    private HeardTimes heardFrom(List<MachineEvent> events) throws Exception {
        HeardTimes heard = HeardTimes.of(heardTimes.value());
        events.forEach(event -> heard.add(event.ts()));
        return heard;
    }

    /**
     * When the device was last heard from before the retained minutes; for a machine in a state carried from a
     * version that did not keep it, just before them.
     */
    private Long heardBefore() throws Exception {
        Long heard = heardBeforeRetainedFrom.value();
        if (heard == null && stateAtRetainedFrom.value() != null) {
            return retainedFrom.value() - 1;
        }
        return heard;
    }

    /** The machine at the retained minutes' start; a stop carried from a version that kept no start begins there. */
    private MinuteAccounting.Start startOfRetained() throws Exception {
        MachineState state = stateAtRetainedFrom.value();
        Long stopStartedAt = stopStartedBeforeRetainedFrom.value();
        if (stopStartedAt == null && MinuteAccounting.isStop(state)) {
            stopStartedAt = retainedFrom.value();
        }
        return new MinuteAccounting.Start(state, reasonAtRetainedFrom.value(), stopStartedAt,
                state != null || Boolean.TRUE.equals(stateSeenBeforeRetainedFrom.value()));
    }

    /**
     * Minutes before {@code newFrom} can no longer change: keep only the machine at their end. Offline times among
     * them are final only where the device was heard again before {@code newFrom}; the silence after the last time
     * heard there is decided again with each write, from that time.
     */
    private void forgetFinalMinutes(List<MachineEvent> events, long newFrom) throws Exception {
        long from = retainedFrom.value();
        if (newFrom <= from) {
            return;
        }
        HeardTimes heard = heardFrom(events);
        HeardTimes forgotten = heard.before(newFrom);
        List<Long> offline = forgotten.offlineFrom(heardBefore(), Long.MIN_VALUE, offlineAfterMs);
        List<MachineEvent> ending = events.stream().filter(event -> event.ts() < newFrom).toList();
        MinuteAccounting.Start start = MinuteAccounting.startAt(startOfRetained(), ending, offline, newFrom);
        retained.update(events.stream().filter(event -> event.ts() >= newFrom).toList());
        retainedFrom.update(newFrom);
        stateAtRetainedFrom.update(start.state());
        reasonAtRetainedFrom.update(start.reason());
        stopStartedBeforeRetainedFrom.update(start.stopStartedAt());
        stateSeenBeforeRetainedFrom.update(start.stateSeen());
        Long lastHeard = forgotten.latestBefore(newFrom);
        if (lastHeard != null) {
            heardBeforeRetainedFrom.update(lastHeard);
        }
        heard.forgetBefore(newFrom);
        heardTimes.update(heard.toArray());
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
                ? new MachineStateChange(device, ts, ts, event.state(), Optional.ofNullable(event.reason()), MessageId.NONE)
                : new PartCount(device, ts, ts, event.total(), event.good()));
        return DeadLetter.of(Instant.now(), jobName, new Rejection(RejectReason.TOO_LATE,
                        "machine event at " + ts + " is older than the allowed lateness (" + allowedLateness.toMillis()
                                + " ms); its minutes are final"),
                "oee_1m", deviceKey, raw);
    }
}
