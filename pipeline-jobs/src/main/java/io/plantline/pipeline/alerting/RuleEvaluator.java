package io.plantline.pipeline.alerting;

import io.plantline.model.AlertRule;
import io.plantline.model.DeadLetter;
import io.plantline.model.json.RecordJson;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import io.plantline.pipeline.ingest.DeviceReading;
import io.plantline.pipeline.ingest.DeviceRouting;
import io.plantline.pipeline.rules.RuleChange;
import io.plantline.pipeline.sink.DeadLetters;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Judges each metric of each reading against every enabled alert rule of its organisation and metric whose scope takes in
 * the device. Rules live in broadcast state (rule key to the rule's JSON), so each parallel instance holds all of
 * them, a change applies to the next reading, and a restart restores them from the checkpoint; a tombstone or a
 * disabled rule removes one. The index by organisation and metric is rebuilt from that state whenever it changes.
 *
 * <p>At every start and restore, readings wait (in checkpointed operator state, in arrival order) until the rules
 * input says it has read the topic to its end ({@link RuleChange#caughtUp()}), so no reading is judged against rules
 * the job has not read yet; the rules input holds event time back meanwhile, so nothing downstream moves past them.
 * The waiting readings are union operator state: after a restore at any parallelism each subtask keeps those of the
 * devices routed to it ({@link DeviceRouting}; its input comes forward from the device-keyed part of the job), so a
 * device's readings are judged in order in one place. Those of a checkpoint from before, in round-robin state, are
 * judged where they land, once.
 */
public final class RuleEvaluator extends BroadcastProcessFunction<DeviceReading, RuleChange, RuleEvaluation>
        implements CheckpointedFunction {

    public static final MapStateDescriptor<String, byte[]> RULES = new MapStateDescriptor<>("alert-rules",
            BasicTypeInfo.STRING_TYPE_INFO, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private final String jobName;
    private transient Map<String, List<AlertRule>> rulesByOrgAndMetric;
    private transient boolean rulesRead;
    private transient List<DeviceReading> waiting;
    private transient ListState<DeviceReading> checkpointedWaiting;
    private transient ListState<DeviceReading> roundRobinWaiting;

    public RuleEvaluator(String jobName) {
        this.jobName = jobName;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        checkpointedWaiting = context.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>("readings-waiting-for-rules-by-device", DeviceReading.class));
        waiting = new ArrayList<>();
        for (DeviceReading reading : checkpointedWaiting.get()) {
            if (DeviceRouting.routedHere(getRuntimeContext().getTaskInfo(), reading.deviceKey())) {
                waiting.add(reading);
            }
        }
        roundRobinWaiting = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>("readings-waiting-for-rules", DeviceReading.class));
        roundRobinWaiting.get().forEach(waiting::add);
        roundRobinWaiting.clear();
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        checkpointedWaiting.update(waiting);
    }

    @Override
    public void processElement(DeviceReading reading, ReadOnlyContext ctx, Collector<RuleEvaluation> out)
            throws Exception {
        if (!rulesRead) {
            waiting.add(reading);
            return;
        }
        evaluate(reading, ctx.getBroadcastState(RULES), out);
    }

    private void evaluate(DeviceReading reading, ReadOnlyBroadcastState<String, byte[]> ruleState,
                          Collector<RuleEvaluation> out) throws Exception {
        if (rulesByOrgAndMetric == null) {
            rulesByOrgAndMetric = index(ruleState.immutableEntries());
        }
        for (int i = 0; i < reading.size(); i++) {
            List<AlertRule> rules = rulesByOrgAndMetric.get(indexKey(reading.orgSlug(), reading.metrics()[i]));
            if (rules == null) {
                continue;
            }
            for (AlertRule rule : rules) {
                if (rule.scope().appliesTo(reading.deviceId())) {
                    out.collect(RuleEvaluation.of(rule, reading.point(i)));
                }
            }
        }
    }

    @Override
    public void processBroadcastElement(RuleChange change, Context ctx, Collector<RuleEvaluation> out) throws Exception {
        if (change.isCaughtUp()) {
            rulesRead = true;
            for (DeviceReading reading : waiting) {
                evaluate(reading, ctx.getBroadcastState(RULES), out);
            }
            waiting.clear();
            return;
        }
        if (!change.key().contains("/rule/")) {
            return; // device settings share the topic; they are the OEE job's business
        }
        if (change.isDeletion()) {
            ctx.getBroadcastState(RULES).remove(change.key());
        } else {
            try {
                if (RecordJson.readRulesTopicValue(change.json()) instanceof AlertRule rule && rule.enabled()) {
                    ctx.getBroadcastState(RULES).put(change.key(), change.json());
                } else {
                    ctx.getBroadcastState(RULES).remove(change.key());
                }
            } catch (RecordJson.InvalidRecordException e) {
                ctx.output(DeadLetters.TAG, DeadLetter.of(Instant.now(), jobName,
                        new Rejection(RejectReason.INVALID_VALUE, "alert rule: " + e.getMessage()),
                        "factory.rules", change.key(), change.json()));
                return;
            }
        }
        rulesByOrgAndMetric = null;
    }

    private static Map<String, List<AlertRule>> index(Iterable<Map.Entry<String, byte[]>> rules) {
        Map<String, List<AlertRule>> index = new HashMap<>();
        for (Map.Entry<String, byte[]> entry : rules) {
            AlertRule rule = (AlertRule) RecordJson.readRulesTopicValue(entry.getValue());
            index.computeIfAbsent(indexKey(rule.orgSlug(), rule.metric()), key -> new ArrayList<>()).add(rule);
        }
        return index;
    }

    private static String indexKey(String orgSlug, String metric) {
        return orgSlug + '/' + metric;
    }
}
