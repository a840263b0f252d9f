package io.plantline.pipeline.alerting;

import java.util.ArrayList;
import java.util.HashMap;
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
 * Marks, on evaluations already in event-time order, which of them can change a match of
 * the {@link AlertPatterns}, so the CEP operators see only those. In a plant most readings are normal, and a CEP
 * operator spends a state update on every event it sees whether or not it can match.
 *
 * <ul>
 *   <li>Breach and escalation patterns: their partial matches start at breaching readings and end at the first
 *       reading that does not breach. So they need every breaching reading and the first one after a breaching
 *       reading, nothing else.</li>
 *   <li>Clear pattern: its partial matches start at a reading that does not clear and end when the run of clearing
 *       readings after it reaches the sustain term (or breaks). So it needs those readings and the clearing ones
 *       until the run has reached the term.</li>
 * </ul>
 * Per device and rule it remembers only what these two need, and forgets a key once both are idle, so the map
 * holds the keys that are breaching or on their way back. It is union operator state: after a rescale every subtask
 * has every entry and keeps the ones its devices use.
 */
public final class PatternRelevance extends AbstractStreamOperator<RuleEvaluation>
        implements OneInputStreamOperator<RuleEvaluation, RuleEvaluation> {

    /** What a key's recent readings leave open: a breach run to end, or a clear run not yet at its term. */
    public record Open(String alertKey, boolean lastBreached, RuleEvaluation clearRunStart, int clearRunReadings,
                       boolean clearRunOpen) {
    }

    private transient Map<String, Open> open;
    private transient ListState<Open> checkpointed;

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        open = new HashMap<>();
        checkpointed = context.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>("open-runs", Open.class));
        for (Open entry : checkpointed.get()) {
            open.put(entry.alertKey(), entry);
        }
    }

    @Override
    public void processElement(StreamRecord<RuleEvaluation> element) {
        RuleEvaluation evaluation = element.getValue();
        String key = evaluation.alertKey();
        Open before = open.get(key);
        boolean forBreach = evaluation.breaching() || (before != null && before.lastBreached());

        boolean forClear;
        RuleEvaluation runStart = null;
        int runReadings = 0;
        boolean runOpen = false;
        if (!evaluation.clearing()) {
            forClear = true;                                    // an anchor: a clear run may start after it
            runOpen = true;
        } else if (before != null && before.clearRunOpen()) {
            forClear = true;
            runStart = before.clearRunStart() == null ? evaluation : before.clearRunStart();
            runReadings = before.clearRunReadings() + 1;
            runOpen = !evaluation.sustainedSince(runStart, runReadings);
        } else {
            forClear = false;
        }

        if (evaluation.breaching() || runOpen) {
            open.put(key, new Open(key, evaluation.breaching(), runStart, runReadings, runOpen));
        } else {
            open.remove(key);
        }
        if (forBreach || forClear) {
            output.collect(element.replace(evaluation.forPatterns(forBreach, forClear)));
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
