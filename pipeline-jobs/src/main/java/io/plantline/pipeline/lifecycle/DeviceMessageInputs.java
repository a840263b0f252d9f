package io.plantline.pipeline.lifecycle;

import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceMessage;
import io.plantline.model.Heartbeat;
import io.plantline.model.OtaProgress;
import io.plantline.pipeline.ingest.DeviceRecordDeserializer;

/**
 * Reads any device-message topic for the lifecycle job: heartbeats and OTA reports as themselves, every other
 * message (telemetry, machine events) as a sign of life.
 */
public final class DeviceMessageInputs extends DeviceRecordDeserializer<LifecycleInput> {

    public DeviceMessageInputs(String jobName) {
        super(jobName, LifecycleInput.class);
    }

    @Override
    protected LifecycleInput accepted(DeviceMessage message) {
        String org = message.device().orgSlug();
        String device = message.device().deviceId();
        long ts = message.ts().toEpochMilli();
        if (message instanceof Heartbeat heartbeat) {
            return LifecycleInput.heartbeat(org, device, ts, heartbeat.firmware().orElse(null));
        }
        if (message instanceof OtaProgress report) {
            return LifecycleInput.progress(org, device, ts, report.deploymentId(), report.status().name(),
                    report.progress().isPresent() ? report.progress().getAsInt() : null, report.message().orElse(null),
                    report.id().key(report.kind()));
        }
        return LifecycleInput.seen(org, device, ts);
    }

    @Override
    protected LifecycleInput rejected(DeadLetter deadLetter) {
        return LifecycleInput.rejected(deadLetter);
    }

    @Override
    protected String expectedKinds() {
        return "a device message";
    }
}
