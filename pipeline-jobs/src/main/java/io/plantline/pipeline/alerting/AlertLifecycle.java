package io.plantline.pipeline.alerting;

import io.plantline.model.AlertTransition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The life of the alerts of one device and rule: at most one open at a time; a sustained breach opens one (or,
 * while one is open, updates its last and peak values), an escalation raises its severity once, a sustained clear
 * closes it, and the next sustained breach opens a new one. Signals come from three CEP operators that run apart,
 * so they are held until the watermark passes them and applied in event-time order: the outcome does not depend on
 * which operator was faster. One that arrives behind the watermark already is applied at once.
 *
 * <p>The watermark cannot order everything. A Kafka partition that was idle and resumes behind the others (a
 * gateway flushing what it buffered, a job starting on a backlog) brings readings the other partitions' watermark
 * has already passed; their signals arrive after it, each CEP operator's a little sooner or later than another's,
 * and the watermark may by then be far ahead in event time. So the last {@link #REPLAYABLE_SIGNALS} signals applied
 * are kept with the alert as it stood before them, and a signal earlier than one already applied replays them with
 * it in event-time order. The steps before it produce what they produced before, so only the steps from it on are
 * emitted again: an alert row written again (an upsert), a change repeated with the same alert id and transition
 * (what consumers dedupe on), and an alert cleared earlier than first written. Nothing emitted needs taking back:
 * signals of one kind come from one operator in event-time order, so a late one can only land before signals of
 * the other kinds, and a clear or an escalation moved earlier never turns an opening breach into a continuing one.
 * Older signals are folded into the alert before the kept ones; a signal earlier than a folded one is applied
 * after it.
 *
 * <p>Emits the row after every change, and each lifecycle change on {@link #CHANGES}. State: the signals not yet
 * due, the last applied ones and the alert before them (the open alert follows from these), all forgotten after
 * {@code stateTtl} without a write; while an alert is open, a processing-time timer writes its state again before
 * then, so it lives as long as the alert (a device between the clear threshold and the threshold sends no signal,
 * for however long it stays there).
 */
public final class AlertLifecycle extends KeyedProcessFunction<String, AlertSignal, AlertRow> {

    public static final OutputTag<AlertChange> CHANGES = new OutputTag<>("alert-changes") {
    };

    private static final Comparator<AlertSignal> EVENT_TIME_ORDER =
            Comparator.comparingLong(AlertSignal::at).thenComparing(AlertSignal::kind);

    /**
     * Per device and rule. The CEP operators lag one another by a few matches of a key at most (a match comes at
     * most once per sustain term), so this covers far more than any lag, at the cost of reading and rewriting this
     * many small records when a signal is applied.
     */
    static final int REPLAYABLE_SIGNALS = 32;

    private final Duration stateTtl;
    /**
     * The open alert as the versions before the replay kept it, where a key restored from their savepoints starts;
     * no longer written, since the kept signals and the alert before them say it.
     */
    private transient ValueState<AlertRow> openAlertOfEarlierVersions;
    private transient ListState<AlertSignal> pending;
    private transient ListState<AlertSignal> recent;
    private transient ValueState<AlertRow> beforeRecent;
    private transient Counter replays;

    /** What one signal does to the open alert: the row it writes and the change, if any. */
    private record Step(AlertRow row, AlertTransition transition) {
    }

    public AlertLifecycle(Duration stateTtl) {
        this.stateTtl = stateTtl;
    }

    @Override
    public void open(OpenContext openContext) {
        StateTtlConfig ttl = StateTtlConfig.newBuilder(stateTtl).build();
        openAlertOfEarlierVersions = getRuntimeContext().getState(
                withTtl(new ValueStateDescriptor<>("open-alert", AlertRow.class), ttl));
        pending = getRuntimeContext().getListState(
                withTtl(new ListStateDescriptor<>("pending-signals", AlertSignal.class), ttl));
        recent = getRuntimeContext().getListState(
                withTtl(new ListStateDescriptor<>("recent-signals", AlertSignal.class), ttl));
        beforeRecent = getRuntimeContext().getState(
                withTtl(new ValueStateDescriptor<>("alert-before-recent", AlertRow.class), ttl));
        replays = getRuntimeContext().getMetricGroup().counter("alertSignalReplays");
    }

    private static <D extends StateDescriptor<?, ?>> D withTtl(D descriptor, StateTtlConfig ttl) {
        descriptor.enableTimeToLive(ttl);
        return descriptor;
    }

    @Override
    public void processElement(AlertSignal signal, Context ctx, Collector<AlertRow> out) throws Exception {
        pending.add(signal);
        long watermark = ctx.timerService().currentWatermark();
        if (signal.at() <= watermark) {
            // Behind event time already (its partition resumed after an idle spell): a timer would wait for the
            // watermark to move again, which may not happen for as long as the plant is quiet.
            applyDue(watermark, ctx, out);
        } else {
            ctx.timerService().registerEventTimeTimer(signal.at());
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AlertRow> out) throws Exception {
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            keepOpenAlert(ctx);
        } else {
            applyDue(timestamp, ctx, out);
        }
    }

    /** Applies the pending signals up to {@code upTo} in event-time order, replaying applied ones they precede. */
    private void applyDue(long upTo, Context ctx, Collector<AlertRow> out) throws Exception {
        List<AlertSignal> due = new ArrayList<>();
        List<AlertSignal> later = new ArrayList<>();
        for (AlertSignal signal : pending.get()) {
            (signal.at() <= upTo ? due : later).add(signal);
        }
        pending.update(later);
        if (due.isEmpty()) {
            return;
        }
        due.sort(EVENT_TIME_ORDER);

        // The applied signals that sort before every due one keep their effect; the rest are replayed with the due.
        List<AlertSignal> applied = applied();
        AlertRow alert = alertBefore(applied);
        int unchanged = 0;
        while (unchanged < applied.size() && EVENT_TIME_ORDER.compare(applied.get(unchanged), due.get(0)) <= 0) {
            unchanged++;
        }
        if (unchanged < applied.size()) {
            replays.inc();
        }
        List<AlertSignal> replayed = new ArrayList<>(applied.subList(unchanged, applied.size()));
        replayed.addAll(due);
        replayed.sort(EVENT_TIME_ORDER);
        List<AlertSignal> all = new ArrayList<>(applied.subList(0, unchanged));
        all.addAll(replayed);

        // The oldest signals beyond the replayable number leave the kept list for the alert before it.
        int folded = Math.max(0, all.size() - REPLAYABLE_SIGNALS);
        AlertRow before = alert;
        for (int i = 0; i < all.size(); i++) {
            AlertSignal signal = all.get(i);
            Step step = step(alert, signal);
            if (step != null) {
                alert = openAfter(step);
                if (i >= unchanged) {
                    emit(step, signal.at(), ctx, out);
                }
            }
            if (i < folded) {
                before = alert;
            }
        }
        recent.update(new ArrayList<>(all.subList(folded, all.size())));
        beforeRecent.update(before);
        if (alert != null) {
            keepAliveLater(ctx);
        }
    }

    private List<AlertSignal> applied() throws Exception {
        List<AlertSignal> applied = new ArrayList<>();
        recent.get().forEach(applied::add);
        return applied;
    }

    private AlertRow alertBefore(List<AlertSignal> applied) throws Exception {
        return applied.isEmpty() ? openAlertOfEarlierVersions.value() : beforeRecent.value();
    }

    /**
     * A processing-time timer a quarter to half of the state TTL from now. Timers fall on a grid of a quarter TTL, so
     * a key has at most two pending however many signals it gets.
     */
    private void keepAliveLater(Context ctx) {
        long step = Math.max(1, stateTtl.toMillis() / 4);
        ctx.timerService().registerProcessingTimeTimer((ctx.timerService().currentProcessingTime() / step + 2) * step);
    }

    /** Writes the state again while it holds an open alert, which renews its TTL, and comes back later. */
    private void keepOpenAlert(Context ctx) throws Exception {
        List<AlertSignal> applied = applied();
        if (applied.isEmpty()) {
            return;
        }
        AlertRow before = beforeRecent.value();
        AlertRow alert = before;
        for (AlertSignal signal : applied) {
            Step step = step(alert, signal);
            if (step != null) {
                alert = openAfter(step);
            }
        }
        if (alert == null) {
            return;
        }
        recent.update(applied);
        if (before != null) {
            beforeRecent.update(before);
        }
        keepAliveLater(ctx);
    }

    /** The open alert after {@code step}: none once it is cleared. */
    private static AlertRow openAfter(Step step) {
        return step.row().clearedAt() == null ? step.row() : null;
    }

    /** The effect of {@code signal} on {@code open} (null when none is open), or null when it changes nothing. */
    private static Step step(AlertRow open, AlertSignal signal) {
        if (open == null) {
            return signal.kind() == AlertSignal.Kind.SUSTAINED
                    ? new Step(AlertRow.open(signal), AlertTransition.OPENED) : null;
        }
        return switch (signal.kind()) {
            case SUSTAINED -> new Step(open.followed(signal), null);
            case ESCALATION_DUE -> open.escalatedAt() == null && signal.severity().compareTo(open.severity()) > 0
                    ? new Step(open.escalated(signal), AlertTransition.ESCALATED) : new Step(open.followed(signal), null);
            case CLEAR_SUSTAINED -> new Step(open.cleared(signal), AlertTransition.CLEARED);
        };
    }

    private static void emit(Step step, long at, Context ctx, Collector<AlertRow> out) {
        out.collect(step.row());
        if (step.transition() != null) {
            ctx.output(CHANGES, new AlertChange(step.row(), step.transition(), at));
        }
    }
}
