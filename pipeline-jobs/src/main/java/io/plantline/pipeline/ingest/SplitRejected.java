package io.plantline.pipeline.ingest;

import io.plantline.pipeline.sink.DeadLetters;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Sends each usable record's reading on, and each rejected record to the dead-letter side output. */
public final class SplitRejected extends ProcessFunction<TelemetryRecord, DeviceReading> {

    @Override
    public void processElement(TelemetryRecord record, Context ctx, Collector<DeviceReading> out) {
        if (record.isRejected()) {
            ctx.output(DeadLetters.TAG, record.rejected());
        } else {
            out.collect(record.reading());
        }
    }
}
