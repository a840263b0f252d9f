package io.plantline.pipeline.oee;

import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceSettings;
import io.plantline.model.json.RecordJson;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import io.plantline.pipeline.rules.RuleChange;
import io.plantline.pipeline.sink.DeadLetters;
import java.time.Instant;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Picks the device settings out of {@code factory.rules} and turns each into the machine's ideal cycle time from
 * its effective time. Alert rules are the analytics job's business; a deleted device (tombstone) sends nothing
 * more, so its settings need no change; settings that do not read go to the dead-letter topic.
 */
public final class IdealCycleSettings extends ProcessFunction<RuleChange, IdealCycleSetting> {

    private final String jobName;

    public IdealCycleSettings(String jobName) {
        this.jobName = jobName;
    }

    @Override
    public void processElement(RuleChange change, Context ctx, Collector<IdealCycleSetting> out) {
        if (change.isDeletion() || !change.key().contains("/device/")) {
            return;
        }
        try {
            if (RecordJson.readRulesTopicValue(change.json()) instanceof DeviceSettings settings) {
                out.collect(new IdealCycleSetting(settings.orgSlug(), settings.deviceId(),
                        settings.effectiveFrom().toEpochMilli(),
                        settings.idealCycleSeconds().map(seconds -> seconds * 1000).orElse(Double.NaN)));
            }
        } catch (RecordJson.InvalidRecordException e) {
            ctx.output(DeadLetters.TAG, DeadLetter.of(Instant.now(), jobName,
                    new Rejection(RejectReason.INVALID_VALUE, "device settings: " + e.getMessage()),
                    "factory.rules", change.key(), change.json()));
        }
    }
}
