package io.plantline.pipeline.alerting;

import io.plantline.pipeline.ingest.DeviceRouting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Works out, on evaluations already in each device's event-time order, where each stands in the runs of readings of
 * its device and rule ({@link RunMarks}), and passes on only those that can change a match of the
 * {@link AlertPatterns}. In a plant most readings are normal, and a CEP operator spends a state update on every event
 * it sees whether or not it can match; and it keeps every event of a partial match until the match, so a run's
 * readings passed on would make a day-long sustain term cost a day of readings per device and rule.
 *
 * <ul>
 *   <li>Breach patterns: a breach run is cut into segments that end where the sustain term is met. Passed on: each
 *       segment's first reading, the reading that meets the term, and the first reading after the run, which ends
 *       it. The readings between are counted here (towards the term, and the run's worst value, which the marks carry
 *       to the alert).</li>
 *   <li>Escalation pattern: the run's opening, the reading at which escalation is due, and the run's end.</li>
 *   <li>Clear pattern: every reading that does not clear (an anchor), and the reading that completes a clear run
 *       after one.</li>
 * </ul>
 *
 * <p>State: per device and rule only what these need, so the map holds the keys that are breaching or on their way
 * back; a key silent for {@code stateTtl} (processing time) is forgotten, and a run it left open is ended by a
 * run-breaking marker, so the CEP operators drop their partial match too. Checkpointed as union operator state; after
 * a restore each subtask keeps the keys of the devices routed to it (the keyed operator it runs chained to).
 */
public final class PatternRelevance extends AbstractStreamOperator<RuleEvaluation>
        implements OneInputStreamOperator<RuleEvaluation, RuleEvaluation> {

    /** How often keys silent for the TTL are looked for, at most. */
    private static final long SWEEP_INTERVAL_MS = 60_000;

    /** What a key's readings so far leave open; times are event time except {@code touchedAt}. */
    public record Open(RuleEvaluation last, boolean lastBreached, double runPeak, long segmentStart,
                       int segmentReadings, boolean segmentReached, long openedAt, boolean escalated,
                       long clearRunStart, int clearRunReadings, boolean clearRunOpen, long touchedAt) {

        static final long NONE = Long.MIN_VALUE;
    }

    private final long stateTtlMillis;
    private transient Map<String, Open> open;
    private transient ListState<Open> checkpointed;

    public PatternRelevance(Duration stateTtl) {
        this.stateTtlMillis = stateTtl.toMillis();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        open = new HashMap<>();
        checkpointed = context.getOperatorStateStore().getUnionListState(new ListStateDescriptor<>("runs", Open.class));
        for (Open entry : checkpointed.get()) {
            if (DeviceRouting.routedHere(getRuntimeContext().getTaskInfo(), entry.last().deviceKey())) {
                open.put(entry.last().alertKey(), entry);
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        scheduleSweep();
    }

    private void scheduleSweep() {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService().registerTimer(now + Math.min(SWEEP_INTERVAL_MS, Math.max(1, stateTtlMillis / 10)),
                time -> {
                    forgetSilentKeys(getProcessingTimeService().getCurrentProcessingTime());
                    scheduleSweep();
                });
    }

    /** Keys silent for the TTL are dropped; a run they left open is broken downstream too. */
    void forgetSilentKeys(long now) {
        for (Iterator<Open> entries = open.values().iterator(); entries.hasNext(); ) {
            Open entry = entries.next();
            if (now - entry.touchedAt() >= stateTtlMillis) {
                entries.remove();
                RuleEvaluation breaker = entry.last().runBreaker();
                output.collect(new StreamRecord<>(breaker, breaker.ts()));
            }
        }
    }

    @Override
    public void processElement(StreamRecord<RuleEvaluation> element) {
        RuleEvaluation evaluation = element.getValue();
        String key = evaluation.alertKey();
        Open before = open.get(key);
        long now = getProcessingTimeService().getCurrentProcessingTime();

        // The breach side.
        boolean continues = before != null && before.lastBreached();
        boolean breachStart = false;
        boolean breachReached = false;
        boolean opening = false;
        boolean escalationDue = false;
        double runPeak = Double.NaN;
        long segmentStart = Open.NONE;
        int segmentReadings = 0;
        long openedAt = Open.NONE;
        boolean escalated = false;
        if (evaluation.breaching()) {
            runPeak = continues ? evaluation.worse(before.runPeak(), evaluation.value()) : evaluation.value();
            breachStart = !continues || before.segmentReached();
            segmentStart = breachStart ? evaluation.ts() : before.segmentStart();
            segmentReadings = breachStart ? 1 : before.segmentReadings() + 1;
            breachReached = evaluation.sustainedSince(segmentStart, segmentReadings);
            openedAt = continues ? before.openedAt() : Open.NONE;
            escalated = continues && before.escalated();
            if (breachReached && openedAt == Open.NONE) {
                openedAt = evaluation.ts();
                opening = true;
            } else if (openedAt != Open.NONE && !escalated && evaluation.escalationDueSince(openedAt)) {
                escalated = true;
                escalationDue = true;
            }
        }
        boolean runEnds = continues && !evaluation.breaching();
        boolean forBreach = breachStart || breachReached || runEnds;
        boolean forEscalation = evaluation.escalates() && (opening || escalationDue || runEnds);

        // The clear side.
        boolean clearReached = false;
        long clearRunStart = Open.NONE;
        int clearRunReadings = 0;
        boolean clearRunOpen = false;
        if (!evaluation.clearing()) {
            clearRunOpen = true;                                // an anchor: a clear run may start after it
        } else if (before != null && before.clearRunOpen()) {
            clearRunStart = before.clearRunStart() == Open.NONE ? evaluation.ts() : before.clearRunStart();
            clearRunReadings = before.clearRunReadings() + 1;
            clearReached = evaluation.sustainedSince(clearRunStart, clearRunReadings);
            clearRunOpen = !clearReached;
        }
        boolean forClear = !evaluation.clearing() || clearReached;

        if (evaluation.breaching() || clearRunOpen) {
            open.put(key, new Open(evaluation, evaluation.breaching(), runPeak, segmentStart, segmentReadings,
                    breachReached, openedAt, escalated, clearRunStart, clearRunReadings, clearRunOpen, now));
        } else {
            open.remove(key);
        }
        if (forBreach || forEscalation || forClear) {
            output.collect(element.replace(evaluation.marked(new RunMarks(forBreach, forEscalation, forClear,
                    breachStart, breachReached, opening, escalationDue, clearReached, false,
                    evaluation.breaching() ? runPeak : evaluation.value()))));
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        checkpointed.update(new ArrayList<>(open.values()));
    }

    /** For tests: the keys with an open run. */
    List<String> openKeys() {
        return new ArrayList<>(open.keySet());
    }
}
