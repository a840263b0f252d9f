package io.plantline.pipeline.oee;

import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceSettings;
import io.plantline.model.IdealCycleTime;
import io.plantline.model.json.RecordJson;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import io.plantline.pipeline.rules.RuleChange;
import io.plantline.pipeline.sink.DeadLetters;
import java.time.Instant;
import java.util.List;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Picks the device settings out of {@code factory.rules} and turns each into the machine's whole ideal cycle time
 * and shift calendar schedules; a deleted device (tombstone) gets empty ones, so the OEE job forgets its settings. Alert rules are the
 * analytics job's business; settings that do not read go to the dead-letter topic.
 */
public final class MachineSettingsReader extends ProcessFunction<RuleChange, MachineSettings> {

    private static final String DEVICE_KEY = "/device/";
    private final String jobName;

    public MachineSettingsReader(String jobName) {
        this.jobName = jobName;
    }

    @Override
    public void processElement(RuleChange change, Context ctx, Collector<MachineSettings> out) {
        int device = change.key().indexOf(DEVICE_KEY);
        if (device < 0) {
            return;
        }
        if (change.isDeletion()) {
            out.collect(new MachineSettings(change.key().substring(0, device),
                    change.key().substring(device + DEVICE_KEY.length()), new long[0], new double[0],
                    MachineSettings.EVERY_MINUTE));
            return;
        }
        try {
            if (RecordJson.readRulesTopicValue(change.json()) instanceof DeviceSettings settings) {
                List<IdealCycleTime> periods = settings.idealCycle().periods();
                long[] from = new long[periods.size()];
                double[] idealCycleMs = new double[periods.size()];
                for (int i = 0; i < periods.size(); i++) {
                    from[i] = periods.get(i).effectiveFrom().toEpochMilli();
                    idealCycleMs[i] = periods.get(i).idealCycleSeconds().map(seconds -> seconds * 1000).orElse(Double.NaN);
                }
                out.collect(new MachineSettings(settings.orgSlug(), settings.deviceId(), from, idealCycleMs,
                        settings.calendar().toString()));
            }
        } catch (RecordJson.InvalidRecordException e) {
            ctx.output(DeadLetters.TAG, DeadLetter.of(Instant.now(), jobName,
                    new Rejection(RejectReason.INVALID_VALUE, "device settings: " + e.getMessage()),
                    "factory.rules", change.key(), change.json()));
        }
    }
}
