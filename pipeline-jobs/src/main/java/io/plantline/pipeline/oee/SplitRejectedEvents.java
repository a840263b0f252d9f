package io.plantline.pipeline.oee;

import io.plantline.pipeline.sink.DeadLetters;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Sends usable machine events on, and rejected records to the dead-letter side output. */
public final class SplitRejectedEvents extends ProcessFunction<MachineEventRecord, MachineEventRecord> {

    @Override
    public void processElement(MachineEventRecord record, Context ctx, Collector<MachineEventRecord> out) {
        if (record.isRejected()) {
            ctx.output(DeadLetters.TAG, record.rejected());
        } else {
            out.collect(record);
        }
    }
}
