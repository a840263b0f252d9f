package io.plantline.pipeline.rules;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * Holds the jobs back until they know the rules and settings: at every start and restore it notes where each
 * partition of {@code factory.rules} ends ({@link RulesTopicEnd}), and until the rules source has delivered those
 * records it keeps this input's watermark at the beginning of time, which holds back every event-time step that joins
 * rules or settings with data (OEE minutes are written only as the watermark passes them). Then it sends
 * {@link RuleChange#caughtUp()}, on which the rule evaluator judges the readings it held, and lets the watermark go.
 * A rules topic that cannot be caught up within {@code maxWait} (Kafka unreachable) is let go anyway, logged and
 * counted in {@code rulesCatchUpTimeouts}, so a job never stands still for good.
 *
 * <p>State: the highest offset delivered per partition, so that after a restore it waits only for what the topic
 * gained since the checkpoint. Runs at parallelism 1, after the source.
 */
public final class RulesCaughtUp extends AbstractStreamOperator<RuleChange>
        implements OneInputStreamOperator<RuleChange, RuleChange> {

    private final String bootstrapServers;
    private final String topic;
    private final Duration maxWait;
    private transient Map<Integer, Long> delivered;
    private transient Map<Integer, Long> lastAtStart;
    private transient ListState<long[]> checkpointed;
    private transient boolean caughtUp;
    private transient Watermark heldWatermark;
    private transient WatermarkStatus heldStatus;
    private transient Counter timeouts;

    public RulesCaughtUp(String bootstrapServers, String topic, Duration maxWait) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.maxWait = maxWait;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        delivered = new HashMap<>();
        checkpointed = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>("delivered-offsets", long[].class));
        for (long[] partitionOffset : checkpointed.get()) {
            delivered.put((int) partitionOffset[0], partitionOffset[1]);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        timeouts = getMetricGroup().counter("rulesCatchUpTimeouts");
        lastAtStart = RulesTopicEnd.lastRecordOffsets(bootstrapServers, topic, maxWait);
        long now = getProcessingTimeService().getCurrentProcessingTime();
        // Emitting from open() is not allowed; a timer right away lets an already caught-up start go at once.
        getProcessingTimeService().registerTimer(now, time -> {
            if (reached()) {
                release();
            }
        });
        getProcessingTimeService().registerTimer(now + maxWait.toMillis(), time -> {
            if (!caughtUp) {
                LOG.warn("The rules topic {} was not read up to its end {} within {}; going on without waiting",
                        topic, lastAtStart, maxWait);
                timeouts.inc();
                release();
            }
        });
    }

    @Override
    public void processElement(StreamRecord<RuleChange> element) throws Exception {
        RuleChange change = element.getValue();
        delivered.merge(change.partition(), change.offset(), Math::max);
        output.collect(element);
        if (!caughtUp && reached()) {
            release();
        }
    }

    private boolean reached() {
        return lastAtStart.entrySet().stream()
                .allMatch(last -> delivered.getOrDefault(last.getKey(), -1L) >= last.getValue());
    }

    private void release() throws Exception {
        if (caughtUp) {
            return;
        }
        caughtUp = true;
        output.collect(new StreamRecord<>(RuleChange.caughtUp()));
        if (heldWatermark != null) {
            super.processWatermark(heldWatermark);
        }
        if (heldStatus != null) {
            super.processWatermarkStatus(heldStatus);
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (caughtUp) {
            super.processWatermark(mark);
        } else {
            heldWatermark = mark;
        }
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        if (caughtUp) {
            super.processWatermarkStatus(status);
        } else {
            heldStatus = status;
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        checkpointed.update(delivered.entrySet().stream()
                .map(offset -> new long[] {offset.getKey(), offset.getValue()}).toList());
    }

    /** For tests: whether the held data has been let go. */
    boolean isCaughtUp() {
        return caughtUp;
    }

    /** For tests. */
    List<Integer> partitionsAtStart() {
        return List.copyOf(lastAtStart.keySet());
    }
}
