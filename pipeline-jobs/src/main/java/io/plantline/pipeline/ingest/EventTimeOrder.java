package io.plantline.pipeline.ingest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * Puts each device's records into event-time order: a record is held until the watermark passes it, then released
 * in timestamp order (arrival order among equal timestamps), then the watermark is forwarded. What runs after it (the
 * rule evaluator and the CEP patterns, which run in processing-time mode, and the anomaly detector) then sees every
 * device's readings in the order they were taken, whatever order they arrived in, so the same readings give the same
 * alerts and anomalies. Sorting once on this operator's heap was measured to cost a fraction of event-time CEP, which
 * buffers every event in keyed RocksDB state and iterates it per key and timestamp (docs/benchmarks.md).
 *
 * <p>The watermark is the smallest of the partitions' that are not idle, so a partition that was idle (a gateway that
 * buffered during an outage, a device whose partition had nothing to say) resumes behind it, and how far behind
 * depends on timing. Its records are therefore not dropped: one at or behind the watermark is released at once, as
 * long as it is not earlier than the last record released for its device (which keeps that device's order) and
 * not older than the allowed lateness behind the watermark (which no result takes any more). Only those two are
 * dropped, counted in {@code lateRecordsDropped}; the one-minute statistics, which take the unordered stream, count
 * by their own lateness rule.
 *
 * <p>Order per device holds because all records of a device come to one subtask of this operator, which runs
 * chained to the keyed duplicate filter. State, on the heap and checkpointed as union operator state: the records
 * waiting for the watermark (about out-of-orderness x rate), and per device the time of the last record released,
 * forgotten once the allowed lateness has passed it. After a restore, at any parallelism, each subtask keeps only
 * the devices routed to it ({@link DeviceRouting}), so a device's held records are released where its next ones
 * arrive. Checkpoints from before kept the waiting records in round-robin state ({@code unordered}); those are
 * released where they land, once.
 */
public final class EventTimeOrder<T extends DeviceRecord> extends AbstractStreamOperator<T>
        implements OneInputStreamOperator<T, T> {

    private final TypeInformation<T> type;
    private final long allowedLatenessMillis;
    private transient PriorityQueue<Buffered<T>> buffer;
    private transient Map<String, Long> lastReleased;
    private transient ListState<T> checkpointedBuffer;
    private transient ListState<T> roundRobinBuffer;
    private transient ListState<Released> checkpointedReleased;
    private transient long sequence;
    private transient long watermark;
    private transient Counter lateDropped;

    /** A record waiting, with its event time read once: the queue compares it on every insert and removal. */
    private record Buffered<T extends DeviceRecord>(T record, long eventTime, long sequence)
            implements Comparable<Buffered<T>> {

        Buffered(T record, long sequence) {
            this(record, record.eventTime(), sequence);
        }

        @Override
        public int compareTo(Buffered<T> other) {
            int byTime = Long.compare(eventTime, other.eventTime);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    /** The time of the last record released for a device. */
    public record Released(String deviceKey, long eventTime) {
    }

    public EventTimeOrder(TypeInformation<T> type, Duration allowedLateness) {
        this.type = type;
        this.allowedLatenessMillis = allowedLateness.toMillis();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        buffer = new PriorityQueue<>();
        lastReleased = new HashMap<>();
        watermark = Long.MIN_VALUE;
        checkpointedBuffer = context.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>("unordered-by-device", type));
        for (T record : checkpointedBuffer.get()) {
            if (DeviceRouting.routedHere(getRuntimeContext().getTaskInfo(), record.deviceKey())) {
                buffer.add(new Buffered<>(record, sequence++));
            }
        }
        roundRobinBuffer = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("unordered", type));
        for (T record : roundRobinBuffer.get()) {
            buffer.add(new Buffered<>(record, sequence++));
        }
        roundRobinBuffer.clear();
        checkpointedReleased = context.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>("last-released", Released.class));
        for (Released released : checkpointedReleased.get()) {
            if (DeviceRouting.routedHere(getRuntimeContext().getTaskInfo(), released.deviceKey())) {
                lastReleased.put(released.deviceKey(), released.eventTime());
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        lateDropped = getMetricGroup().counter("lateRecordsDropped");
    }

    @Override
    public void processElement(StreamRecord<T> element) {
        T record = element.getValue();
        if (record.eventTime() > watermark) {
            buffer.add(new Buffered<>(record, sequence++));
        } else if (record.eventTime() >= lastReleased.getOrDefault(record.deviceKey(), Long.MIN_VALUE)
                && record.eventTime() >= watermark - allowedLatenessMillis) {
            release(record);
        } else {
            lateDropped.inc();
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        watermark = Math.max(watermark, mark.getTimestamp());
        while (!buffer.isEmpty() && buffer.peek().eventTime() <= watermark) {
            release(buffer.poll().record());
        }
        lastReleased.values().removeIf(time -> time < watermark - allowedLatenessMillis);
        super.processWatermark(mark);
    }

    private void release(T record) {
        lastReleased.merge(record.deviceKey(), record.eventTime(), Math::max);
        output.collect(new StreamRecord<>(record, record.eventTime()));
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<Buffered<T>> inOrder = new ArrayList<>(buffer);
        Collections.sort(inOrder);
        checkpointedBuffer.update(inOrder.stream().map(Buffered::record).toList());
        checkpointedReleased.update(lastReleased.entrySet().stream()
                .map(entry -> new Released(entry.getKey(), entry.getValue())).toList());
    }
}
