package io.plantline.pipeline.lifecycle;

/**
 * What the job keeps per device (a Flink POJO: one state access per record). {@code deploymentId} null: no update
 * under way. Times are epoch millis of event time.
 */
public class DeviceState {
    public long lastSeen = Long.MIN_VALUE;
    public long lastSeenWritten = Long.MIN_VALUE;
    public boolean online;
    /** The open DEVICE_OFFLINE alert's opening time, or {@code Long.MIN_VALUE}. */
    public long offlineSince = Long.MIN_VALUE;
    /** The event-time timers registered and not yet fired, or {@code Long.MIN_VALUE}; see {@code DeviceLifecycle.arm}. */
    public long offlineTimer = Long.MIN_VALUE;
    public long deadlineTimer = Long.MIN_VALUE;
    public String firmware;
    public String previousFirmware;

    /** The last deployment whose update ended here: a report for it is a step after the end. */
    public String endedDeploymentId;
    public String deploymentId;
    public String targetVersion;
    /** The firmware the device ran when the update began: coming back on it after SUCCEEDED is a rollback. */
    public String fromFirmware;
    public OtaStep step;
    public long stepSince;
    public Integer progress;

    boolean hasOpenTarget() {
        return deploymentId != null && step != null && !step.ended();
    }
}
