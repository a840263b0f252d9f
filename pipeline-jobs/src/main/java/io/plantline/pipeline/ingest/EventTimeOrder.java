package io.plantline.pipeline.ingest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Puts records into event-time order: each is held until the watermark passes it, then released in timestamp order
 * (arrival order among equal timestamps), then the watermark is forwarded. What runs after it (the rule evaluator and
 * the CEP patterns, which run in processing-time mode, and the anomaly detector) then sees every device's readings
 * in the order they were taken, whatever order they arrived in, so the same readings give the same alerts and
 * anomalies. Sorting once on this operator's heap was measured to cost a fraction of event-time CEP, which buffers
 * every event in keyed RocksDB state and iterates it per key and timestamp (docs/benchmarks.md).
 *
 * <p>Order per device holds because all records of a device come to one subtask of this operator, which runs
 * chained to its input. A record at or behind the watermark arrived too late to be ordered: it is dropped here
 * (counted in {@code lateRecordsDropped}), as event-time CEP would drop it; the one-minute statistics, which take
 * the unordered stream, still count it within the allowed lateness. The buffer holds about out-of-orderness x rate
 * records and is checkpointed as operator state.
 */
public final class EventTimeOrder<T extends Timestamped> extends AbstractStreamOperator<T>
        implements OneInputStreamOperator<T, T> {

    private final TypeInformation<T> type;
    private transient PriorityQueue<Buffered<T>> buffer;
    private transient ListState<T> checkpointedBuffer;
    private transient long sequence;
    private transient long watermark;
    private transient Counter lateDropped;

    private record Buffered<T extends Timestamped>(T record, long sequence) {
    }

    public EventTimeOrder(TypeInformation<T> type) {
        this.type = type;
    }

    private static <T extends Timestamped> Comparator<Buffered<T>> order() {
        return Comparator.<Buffered<T>>comparingLong(buffered -> buffered.record().eventTime())
                .thenComparingLong(Buffered::sequence);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        buffer = new PriorityQueue<>(order());
        watermark = Long.MIN_VALUE;
        checkpointedBuffer = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("unordered", type));
        for (T record : checkpointedBuffer.get()) {
            buffer.add(new Buffered<>(record, sequence++));
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        lateDropped = getMetricGroup().counter("lateRecordsDropped");
    }

    @Override
    public void processElement(StreamRecord<T> element) {
        if (element.getValue().eventTime() <= watermark) {
            lateDropped.inc();
            return;
        }
        buffer.add(new Buffered<>(element.getValue(), sequence++));
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        watermark = Math.max(watermark, mark.getTimestamp());
        while (!buffer.isEmpty() && buffer.peek().record().eventTime() <= watermark) {
            T record = buffer.poll().record();
            output.collect(new StreamRecord<>(record, record.eventTime()));
        }
        super.processWatermark(mark);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<Buffered<T>> inOrder = new ArrayList<>(buffer);
        inOrder.sort(order());
        checkpointedBuffer.update(inOrder.stream().map(Buffered::record).toList());
    }
}
