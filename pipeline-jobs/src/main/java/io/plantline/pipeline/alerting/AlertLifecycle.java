package io.plantline.pipeline.alerting;

import io.plantline.model.AlertTransition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The life of the alerts of one device and rule: at most one open at a time; a sustained breach opens one (or,
 * while one is open, updates its last and peak values), an escalation raises its severity once, a sustained clear
 * closes it, and the next sustained breach opens a new one. Signals come from three CEP operators that run apart,
 * so they are held until the watermark passes them and applied in event-time order: the outcome does not depend on
 * which operator was faster. Emits the row after every change, and each lifecycle change on {@link #CHANGES}.
 *
 * <p>State: the open alert and the signals not yet applied, both forgotten after {@code stateTtl} without a write.
 */
public final class AlertLifecycle extends KeyedProcessFunction<String, AlertSignal, AlertRow> {

    public static final OutputTag<AlertChange> CHANGES = new OutputTag<>("alert-changes") {
    };

    private static final Comparator<AlertSignal> EVENT_TIME_ORDER =
            Comparator.comparingLong(AlertSignal::at).thenComparing(AlertSignal::kind);

    private final Duration stateTtl;
    private transient ValueState<AlertRow> openAlert;
    private transient ListState<AlertSignal> pending;

    public AlertLifecycle(Duration stateTtl) {
        this.stateTtl = stateTtl;
    }

    @Override
    public void open(OpenContext openContext) {
        StateTtlConfig ttl = StateTtlConfig.newBuilder(stateTtl).build();
        ValueStateDescriptor<AlertRow> openAlertDescriptor = new ValueStateDescriptor<>("open-alert", AlertRow.class);
        openAlertDescriptor.enableTimeToLive(ttl);
        ListStateDescriptor<AlertSignal> pendingDescriptor = new ListStateDescriptor<>("pending-signals", AlertSignal.class);
        pendingDescriptor.enableTimeToLive(ttl);
        openAlert = getRuntimeContext().getState(openAlertDescriptor);
        pending = getRuntimeContext().getListState(pendingDescriptor);
    }

    @Override
    public void processElement(AlertSignal signal, Context ctx, Collector<AlertRow> out) throws Exception {
        pending.add(signal);
        ctx.timerService().registerEventTimeTimer(signal.at());
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AlertRow> out) throws Exception {
        List<AlertSignal> due = new ArrayList<>();
        List<AlertSignal> later = new ArrayList<>();
        for (AlertSignal signal : pending.get()) {
            (signal.at() <= timestamp ? due : later).add(signal);
        }
        pending.update(later);
        due.sort(EVENT_TIME_ORDER);
        for (AlertSignal signal : due) {
            apply(signal, ctx, out);
        }
    }

    private void apply(AlertSignal signal, OnTimerContext ctx, Collector<AlertRow> out) throws Exception {
        AlertRow open = openAlert.value();
        switch (signal.kind()) {
            case SUSTAINED -> {
                AlertRow row = open == null ? AlertRow.open(signal) : open.followed(signal);
                emit(row, open == null ? AlertTransition.OPENED : null, signal.at(), ctx, out);
            }
            case ESCALATION_DUE -> {
                if (open == null) {
                    return;
                }
                boolean escalates = open.escalatedAt() == null && signal.severity().compareTo(open.severity()) > 0;
                emit(escalates ? open.escalated(signal) : open.followed(signal),
                        escalates ? AlertTransition.ESCALATED : null, signal.at(), ctx, out);
            }
            case CLEAR_SUSTAINED -> {
                if (open == null) {
                    return;
                }
                emit(open.cleared(signal), AlertTransition.CLEARED, signal.at(), ctx, out);
            }
        }
    }

    private void emit(AlertRow row, AlertTransition transition, long at, OnTimerContext ctx, Collector<AlertRow> out)
            throws Exception {
        if (row.clearedAt() == null) {
            openAlert.update(row);
        } else {
            openAlert.clear();
        }
        out.collect(row);
        if (transition != null) {
            ctx.output(CHANGES, new AlertChange(row, transition, at));
        }
    }
}
