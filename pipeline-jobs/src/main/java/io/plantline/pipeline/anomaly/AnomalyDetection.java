package io.plantline.pipeline.anomaly;

import io.plantline.pipeline.ingest.DeviceReading;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Runs the {@link AnomalyDetector} on every metric of every reading, keyed by device, in the order the device's
 * partition delivers its readings. State: the device's {@link DeviceBaselines}, one state access per reading,
 * forgotten after {@code stateTtl} without a reading, after which the device's series warm up again. A metric the
 * device stops sending loses its baseline at the device's next reading.
 */
public final class AnomalyDetection extends KeyedProcessFunction<String, DeviceReading, Anomaly> {

    private final AnomalyDetector detector;
    private final Duration stateTtl;
    private transient ValueState<DeviceBaselines> baselines;

    public AnomalyDetection(AnomalySettings settings, Duration stateTtl) {
        this.detector = new AnomalyDetector(settings);
        this.stateTtl = stateTtl;
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<DeviceBaselines> descriptor = new ValueStateDescriptor<>("baselines", DeviceBaselines.class);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(stateTtl).build());
        baselines = getRuntimeContext().getState(descriptor);
    }

    @Override
    public void processElement(DeviceReading reading, Context ctx, Collector<Anomaly> out) throws Exception {
        DeviceBaselines known = baselines.value();
        DeviceBaselines device = (known == null ? DeviceBaselines.NONE : known).alignedTo(reading.metrics());
        Baseline[] next = new Baseline[reading.size()];
        for (int i = 0; i < reading.size(); i++) {
            AnomalyDetector.Outcome outcome = detector.observe(device.baselines()[i], reading.values()[i]);
            next[i] = outcome.baseline();
            if (outcome.anomalous()) {
                out.collect(new Anomaly(reading.orgSlug(), reading.deviceId(), reading.metrics()[i], reading.ts(),
                        reading.values()[i], outcome.score(), outcome.method()));
            }
        }
        baselines.update(new DeviceBaselines(reading.metrics(), next));
    }
}
