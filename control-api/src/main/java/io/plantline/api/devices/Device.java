package io.plantline.api.devices;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.model.IdealCycleTime;
import io.plantline.model.MachineState;
import java.time.Instant;
import java.util.List;

/**
 * A device as the API shows it. {@code online}, {@code lastSeenAt} and the three firmware versions are written by
 * the device-lifecycle job, {@code machineState} and {@code machineStateSince} (the newest {@code state} event the
 * machine sent, null before its first) by the OEE job; the rest by users. {@code idealCycleSeconds} is the value in force now, from the
 * {@code idealCycleSchedule} that the OEE job applies minute by minute. Keys are never shown again after they were
 * issued: only their prefixes, to tell them apart.
 */
public record Device(String deviceId, String name, String hardwareModel, boolean enabled, Double idealCycleSeconds,
                     List<IdealCycleTime> idealCycleSchedule, JsonNode metadata, JsonNode config, boolean online,
                     Instant lastSeenAt, MachineState machineState, Instant machineStateSince, String firmwareCurrent,
                     String firmwarePrevious, String firmwareTarget, String writeKeyPrefix, String readKeyPrefix,
                     ConfigState configState, String profileId, Instant createdAt, Instant updatedAt) {

    /**
     * The configuration's round trip: {@code version} counts the changes sent to the device, {@code appliedVersion} is
     * the newest it said it applied (null before its first such report), {@code lastReport} its latest report.
     */
    public record ConfigState(long version, Long appliedVersion, ConfigReport lastReport) {
    }

    /** A device's report on one configuration version: applied, or not with the device's reason. */
    public record ConfigReport(long version, boolean applied, String error, Instant at) {
    }
}
