package io.plantline.pipeline.lifecycle;

/**
 * Where a device's update stands, in order. {@code AWAITING_REBOOT}: the device reported SUCCEEDED and the job waits
 * for its heartbeat on the new version (the table shows INSTALLING meanwhile); only that heartbeat makes it SUCCEEDED.
 */
enum OtaStep {
    SENT, DOWNLOADING, DOWNLOADED, VERIFIED, INSTALLING, AWAITING_REBOOT, SUCCEEDED, FAILED;

    boolean ended() {
        return this == SUCCEEDED || this == FAILED;
    }

    /** The {@code ota_targets.state} shown for this step. */
    String tableState() {
        return this == AWAITING_REBOOT ? INSTALLING.name() : name();
    }

    /** The step a device's report moves to: its SUCCEEDED claim waits for the reboot. */
    static OtaStep reported(String status) {
        OtaStep step = valueOf(status);
        return step == SUCCEEDED ? AWAITING_REBOOT : step;
    }

    /** Forward moves (a step may be skipped, a lost report is no error) and repeats; FAILED from any open step. */
    boolean canMoveTo(OtaStep next) {
        if (ended()) {
            return false;
        }
        return next == FAILED || next.ordinal() >= ordinal();
    }
}
