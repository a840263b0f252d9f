package io.plantline.pipeline.alerting;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Puts rule evaluations into event-time order before the CEP operators, which then run in processing-time mode.
 * In event-time mode each CEP operator buffers every event in keyed RocksDB state and, per key and timestamp,
 * iterates that state when the watermark passes; measured here, that was most of the job's cost. Sorting once, on
 * the heap of this operator, and letting the patterns consume in arrival order gives the same matches for a
 * fraction of the work (docs/benchmarks.md): events are held until the watermark passes them, then released in
 * timestamp order (arrival order among equal timestamps), then the watermark is forwarded.
 *
 * <p>Order per device holds because all readings of a device come through one Kafka partition and so one subtask
 * of this operator, which is chained to the rule evaluator. An evaluation at or behind the watermark arrived too
 * late to be ordered; it is dropped from alerting (counted in {@code lateEvaluationsDropped}) as event-time CEP
 * would drop it, and still counts in the minute statistics. The buffer holds about out-of-orderness x rate
 * evaluations and is checkpointed as operator state.
 */
public final class EventTimeOrder extends AbstractStreamOperator<RuleEvaluation>
        implements OneInputStreamOperator<RuleEvaluation, RuleEvaluation> {

    private static final Comparator<Buffered> ORDER =
            Comparator.comparingLong((Buffered buffered) -> buffered.evaluation.ts()).thenComparingLong(b -> b.sequence);

    private transient PriorityQueue<Buffered> buffer;
    private transient ListState<RuleEvaluation> checkpointedBuffer;
    private transient long sequence;
    private transient long watermark;
    private transient Counter lateDropped;

    private record Buffered(RuleEvaluation evaluation, long sequence) {
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        buffer = new PriorityQueue<>(ORDER);
        watermark = Long.MIN_VALUE;
        checkpointedBuffer = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>("unordered-evaluations", RuleEvaluation.class));
        for (RuleEvaluation evaluation : checkpointedBuffer.get()) {
            buffer.add(new Buffered(evaluation, sequence++));
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        lateDropped = getMetricGroup().counter("lateEvaluationsDropped");
    }

    @Override
    public void processElement(StreamRecord<RuleEvaluation> element) {
        if (element.getValue().ts() <= watermark) {
            lateDropped.inc();
            return;
        }
        buffer.add(new Buffered(element.getValue(), sequence++));
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        watermark = Math.max(watermark, mark.getTimestamp());
        while (!buffer.isEmpty() && buffer.peek().evaluation.ts() <= watermark) {
            RuleEvaluation evaluation = buffer.poll().evaluation;
            output.collect(new StreamRecord<>(evaluation, evaluation.ts()));
        }
        super.processWatermark(mark);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<Buffered> inOrder = new ArrayList<>(buffer);
        inOrder.sort(ORDER);
        checkpointedBuffer.update(inOrder.stream().map(Buffered::evaluation).toList());
    }
}
