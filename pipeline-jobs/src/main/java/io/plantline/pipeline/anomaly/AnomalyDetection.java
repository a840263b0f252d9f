package io.plantline.pipeline.anomaly;

import io.plantline.pipeline.ingest.MetricPoint;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Runs the {@link AnomalyDetector} per series (device and metric), in the order the series' partition delivers
 * its readings. State: the series' {@link Baseline}, forgotten after {@code stateTtl} without a reading, after
 * which the series warms up again.
 */
public final class AnomalyDetection extends KeyedProcessFunction<String, MetricPoint, Anomaly> {

    private final AnomalyDetector detector;
    private final Duration stateTtl;
    private transient ValueState<Baseline> baseline;

    public AnomalyDetection(AnomalySettings settings, Duration stateTtl) {
        this.detector = new AnomalyDetector(settings);
        this.stateTtl = stateTtl;
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<Baseline> descriptor = new ValueStateDescriptor<>("baseline", Baseline.class);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(stateTtl).build());
        baseline = getRuntimeContext().getState(descriptor);
    }

    @Override
    public void processElement(MetricPoint point, Context ctx, Collector<Anomaly> out) throws Exception {
        AnomalyDetector.Outcome outcome = detector.observe(baseline.value(), point.value());
        baseline.update(outcome.baseline());
        if (outcome.anomalous()) {
            out.collect(new Anomaly(point.orgSlug(), point.deviceId(), point.metric(), point.ts(), point.value(),
                    outcome.score(), outcome.method()));
        }
    }
}
