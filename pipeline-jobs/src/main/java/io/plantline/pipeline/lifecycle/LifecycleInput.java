package io.plantline.pipeline.lifecycle;

import io.plantline.model.DeadLetter;
import io.plantline.pipeline.ingest.IdentifiedMessage;

/**
 * One thing the device-lifecycle job learns about a device, from any of its topics: that it was seen (telemetry,
 * machine events), a heartbeat with the firmware it runs, an OTA progress report, or an update command sent to it
 * or cancelled. Or the dead letter of a record it could not use ({@code kind} null). Fields a kind does not use
 * are null.
 *
 * @param ts         event time, epoch millis: the device's timestamp, or the command's issue time
 * @param messageKey an OTA report's identity, so a repeated report counts once; the other inputs change nothing when
 *                   repeated and are not deduplicated
 */
public record LifecycleInput(String orgSlug, String deviceId, long ts, Kind kind, String firmware, String deploymentId,
                             String otaStatus, Integer progress, String message, long messageKey, DeadLetter rejected)
        implements IdentifiedMessage {

    public enum Kind { SEEN, HEARTBEAT, OTA_PROGRESS, OTA_SENT, OTA_CANCELLED }

    static LifecycleInput seen(String orgSlug, String deviceId, long ts) {
        return new LifecycleInput(orgSlug, deviceId, ts, Kind.SEEN, null, null, null, null, null, NOT_DEDUPLICATED, null);
    }

    static LifecycleInput heartbeat(String orgSlug, String deviceId, long ts, String firmware) {
        return new LifecycleInput(orgSlug, deviceId, ts, Kind.HEARTBEAT, firmware, null, null, null, null,
                NOT_DEDUPLICATED, null);
    }

    static LifecycleInput progress(String orgSlug, String deviceId, long ts, String deploymentId, String status,
                                   Integer progress, String message, long messageKey) {
        return new LifecycleInput(orgSlug, deviceId, ts, Kind.OTA_PROGRESS, null, deploymentId, status, progress, message,
                messageKey, null);
    }

    /** An update sent: {@code firmware} is the version it installs. */
    static LifecycleInput sent(String orgSlug, String deviceId, long ts, String deploymentId, String version) {
        return new LifecycleInput(orgSlug, deviceId, ts, Kind.OTA_SENT, version, deploymentId, null, null, null,
                NOT_DEDUPLICATED, null);
    }

    static LifecycleInput cancelled(String orgSlug, String deviceId, long ts, String deploymentId) {
        return new LifecycleInput(orgSlug, deviceId, ts, Kind.OTA_CANCELLED, null, deploymentId, null, null, null,
                NOT_DEDUPLICATED, null);
    }

    static LifecycleInput rejected(DeadLetter deadLetter) {
        return new LifecycleInput(null, null, Long.MIN_VALUE, null, null, null, null, null, null, NOT_DEDUPLICATED,
                deadLetter);
    }

    public boolean isRejected() {
        return rejected != null;
    }

    @Override
    public long eventTime() {
        return ts;
    }

    public String deviceKey() {
        return orgSlug + '/' + deviceId;
    }
}
