package io.plantline.pipeline.lifecycle;

import io.plantline.model.AlertStatus;
import io.plantline.model.AlertTransition;
import io.plantline.model.DeadLetter;
import io.plantline.model.Severity;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import io.plantline.pipeline.alerting.AlertChange;
import io.plantline.pipeline.alerting.AlertRow;
import io.plantline.pipeline.sink.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Per device: whether it is online, which firmware it runs, and where its firmware update stands.
 *
 * <p>Online / offline: every device message (not a command) is a sign of life; a device silent for
 * {@code offlineAfter} in event time goes offline with a {@code DEVICE_OFFLINE} alert, which its next message clears.
 *
 * <p>Updates: an {@code ota.update} command opens the target (SENT); the device's reports move it forward
 * (a step may be skipped, a report repeated; going back, or on after the end, is a dead letter
 * {@code invalid_transition}); FAILED ends it with the device's reason. A SUCCEEDED report only says the device
 * is about to reboot: the target succeeds, and the device's firmware columns move, when a heartbeat brings the new
 * version; a heartbeat on the old version ends it FAILED {@code rollback_detected}. Every step has a deadline after
 * which the target fails with reason {@code timeout}. The main output is the target rows.
 */
public final class DeviceLifecycle extends KeyedProcessFunction<String, LifecycleInput, TargetRow> {

    public static final OutputTag<DeviceStatusRow> STATUS = new OutputTag<>("device-status") {
    };
    public static final OutputTag<FirmwareRow> FIRMWARE = new OutputTag<>("device-firmware") {
    };
    public static final OutputTag<AlertRow> ALERTS = new OutputTag<>("offline-alerts") {
    };
    public static final OutputTag<AlertChange> ALERT_CHANGES = new OutputTag<>("offline-alert-changes") {
    };
    public static final String OFFLINE_RULE = "DEVICE_OFFLINE";
    private static final Pattern REASON = Pattern.compile("([a-z][a-z0-9_]{0,63})(:.*)?", Pattern.DOTALL);

    private final String jobName;
    private final LifecycleSettings settings;
    private final Duration stateTtl;
    private transient ValueState<DeviceState> devices;
    private transient ValueState<Long> openOfflineAlert;

    public DeviceLifecycle(String jobName, LifecycleSettings settings, Duration stateTtl) {
        this.jobName = jobName;
        this.settings = settings;
        this.stateTtl = stateTtl;
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<DeviceState> descriptor = new ValueStateDescriptor<>("device", DeviceState.class);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(stateTtl).build());
        devices = getRuntimeContext().getState(descriptor);
        // No TTL: a device away for longer than the state TTL must still have its alert cleared when it returns.
        openOfflineAlert = getRuntimeContext().getState(new ValueStateDescriptor<>("open-offline-alert", Types.LONG));
    }

    @Override
    public void processElement(LifecycleInput input, Context context, Collector<TargetRow> out) throws Exception {
        if (input.isRejected()) {
            context.output(DeadLetters.TAG, input.rejected());
            return;
        }
        DeviceState device = devices.value() == null ? new DeviceState() : devices.value();
        switch (input.kind()) {
            case SEEN -> seen(device, input, context);
            case HEARTBEAT -> {
                seen(device, input, context);
                heartbeat(device, input, context, out);
            }
            case OTA_PROGRESS -> {
                seen(device, input, context);
                report(device, input, context, out);
            }
            case OTA_SENT -> sent(device, input, context, out);
            case OTA_CANCELLED -> {
                if (input.deploymentId().equals(device.deploymentId) && device.hasOpenTarget()) {
                    endAt(device, OtaStep.FAILED); // the API has written the row: reason cancelled
                }
            }
        }
        devices.update(device);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<TargetRow> out) throws Exception {
        DeviceState device = devices.value();
        if (device == null) {
            return;
        }
        if (device.offlineTimer <= timestamp) {
            device.offlineTimer = Long.MIN_VALUE;
        }
        if (device.deadlineTimer <= timestamp) {
            device.deadlineTimer = Long.MIN_VALUE;
        }
        long offlineAt = device.lastSeen + settings.offlineAfter().toMillis();
        if (device.online && device.lastSeen != Long.MIN_VALUE && offlineAt <= timestamp) {
            device.online = false;
            device.offlineSince = offlineAt;
            openOfflineAlert.update(offlineAt);
            context.output(STATUS, new DeviceStatusRow(orgOf(context), deviceOf(context), false, device.lastSeen));
            AlertRow alert = offlineAlert(context, offlineAt, AlertStatus.ACTIVE, null, settings.offlineAfter().toSeconds());
            context.output(ALERTS, alert);
            context.output(ALERT_CHANGES, new AlertChange(alert, AlertTransition.OPENED, offlineAt));
        } else if (device.online) {
            device.offlineTimer = arm(device.offlineTimer, offlineAt, context);
        }
        if (device.hasOpenTarget()) {
            if (deadline(device) <= timestamp) {
                fail(device, "timeout", deadline(device), context, out);
            } else {
                device.deadlineTimer = arm(device.deadlineTimer, deadline(device), context);
            }
        }
        devices.update(device);
    }

    /**
     * A timer at {@code at}, unless one no later is pending: timers are never deleted, since the offline limit and
     * an update's deadline may share a timestamp, and one that fires before its limit is armed again. So a device
     * has at most a few timers, however many messages it sends. Returns the pending timer.
     */
    private static long arm(long pending, long at, Context context) {
        if (pending == Long.MIN_VALUE || pending > at) {
            context.timerService().registerEventTimeTimer(at);
            return at;
        }
        return pending;
    }

    /**
     * A message from the device: it is alive. One older than its offline alert's opening (queued during an outage,
     * delivered after it) clears the alert at the opening, never before it: the device was not as silent as the job
     * thought, and its true last message arms the offline limit again. One no newer than the last message seen (a
     * QoS 1 redelivery, or an older message delivered late) tells nothing new and changes nothing.
     */
    private void seen(DeviceState device, LifecycleInput input, Context context) throws Exception {
        if (input.ts() <= device.lastSeen) {
            return;
        }
        device.lastSeen = input.ts();
        if (!device.online) {
            device.online = true;
            long offlineSince = device.offlineSince != Long.MIN_VALUE ? device.offlineSince
                    : openOfflineAlert.value() != null ? openOfflineAlert.value() : Long.MIN_VALUE;
            if (offlineSince != Long.MIN_VALUE) {
                long clearedAt = Math.max(input.ts(), offlineSince);
                long silentSeconds = Math.max(0, clearedAt - (offlineSince - settings.offlineAfter().toMillis())) / 1000;
                AlertRow cleared = offlineAlert(context, offlineSince, AlertStatus.CLEARED, clearedAt, silentSeconds);
                context.output(ALERTS, cleared);
                context.output(ALERT_CHANGES, new AlertChange(cleared, AlertTransition.CLEARED, clearedAt));
                device.offlineSince = Long.MIN_VALUE;
                openOfflineAlert.clear();
            }
            writeLastSeen(device, context);
        } else if (device.lastSeen - device.lastSeenWritten >= settings.lastSeenInterval().toMillis()) {
            writeLastSeen(device, context);
        }
        device.offlineTimer = arm(device.offlineTimer, device.lastSeen + settings.offlineAfter().toMillis(), context);
    }

    private void writeLastSeen(DeviceState device, Context context) {
        device.lastSeenWritten = device.lastSeen;
        context.output(STATUS, new DeviceStatusRow(orgOf(context), deviceOf(context), true, device.lastSeen));
    }

    /** The firmware a heartbeat reports: the end of an update, a rollback, or a change made some other way. */
    private void heartbeat(DeviceState device, LifecycleInput input, Context context, Collector<TargetRow> out) {
        String running = input.firmware();
        if (running == null) {
            return;
        }
        if (device.hasOpenTarget() && running.equals(device.targetVersion)) {
            device.previousFirmware = device.fromFirmware;
            device.firmware = running;
            context.output(FIRMWARE, new FirmwareRow(orgOf(context), deviceOf(context), running, device.previousFirmware, null));
            out.collect(row(context, device.deploymentId, OtaStep.SUCCEEDED, null, device.progress, input.ts()));
            endAt(device, OtaStep.SUCCEEDED);
        } else if (device.hasOpenTarget() && device.step == OtaStep.AWAITING_REBOOT && input.ts() > device.stepSince
                && (device.targetVersion != null || running.equals(device.fromFirmware))) {
            // Back from the reboot on another version than the update's (before its command is read: on the old one).
            fail(device, "rollback_detected", input.ts(), context, out);
        } else if (!running.equals(device.firmware)) {
            device.previousFirmware = device.firmware;
            device.firmware = running;
            if (device.hasOpenTarget() && device.fromFirmware == null) {
                device.fromFirmware = running; // the command was read before the device's first heartbeat
            }
            context.output(FIRMWARE, new FirmwareRow(orgOf(context), deviceOf(context), running, device.previousFirmware,
                    device.hasOpenTarget() ? device.targetVersion : null));
        }
    }

    /** An update command: the target is SENT (a repeat, or a report read before its command, changes no step). */
    private void sent(DeviceState device, LifecycleInput input, Context context, Collector<TargetRow> out) {
        if (input.deploymentId().equals(device.deploymentId) || input.deploymentId().equals(device.endedDeploymentId)) {
            if (device.targetVersion == null) {
                device.targetVersion = input.firmware();
            }
            return;
        }
        if (device.hasOpenTarget()) {
            fail(device, "superseded", input.ts(), context, out);
        }
        begin(device, input.deploymentId(), input.firmware(), OtaStep.SENT, input.ts(), context);
        out.collect(row(context, device.deploymentId, OtaStep.SENT, null, null, input.ts()));
    }

    private void report(DeviceState device, LifecycleInput input, Context context, Collector<TargetRow> out) {
        OtaStep next = OtaStep.reported(input.otaStatus());
        boolean current = input.deploymentId().equals(device.deploymentId);
        if (!current && input.deploymentId().equals(device.endedDeploymentId)) {
            reject(input, context, "the update of deployment " + input.deploymentId() + " has ended; no " + next + " after it");
            return;
        }
        if (!current) { // its command is not read yet, or was lost: the report starts the target
            if (device.hasOpenTarget()) {
                fail(device, "superseded", input.ts(), context, out);
            }
            begin(device, input.deploymentId(), null, OtaStep.SENT, input.ts(), context);
        }
        if (!device.step.canMoveTo(next)) {
            reject(input, context, "a target in " + device.step + " cannot move to " + next);
            return;
        }
        if (input.progress() != null) {
            device.progress = input.progress();
        }
        if (next == OtaStep.FAILED) {
            fail(device, reason(input.message()), input.ts(), context, out);
            return;
        }
        if (next != device.step) {
            moveTo(device, next, input.ts(), context);
        }
        out.collect(row(context, device.deploymentId, device.step, null, device.progress, device.stepSince));
    }

    private void begin(DeviceState device, String deploymentId, String version, OtaStep step, long at, Context context) {
        device.deploymentId = deploymentId;
        device.targetVersion = version;
        device.fromFirmware = device.firmware;
        device.progress = null;
        device.step = null;
        moveTo(device, step, at, context);
    }

    private void moveTo(DeviceState device, OtaStep step, long at, Context context) {
        device.step = step;
        device.stepSince = at;
        device.deadlineTimer = arm(device.deadlineTimer, deadline(device), context);
    }

    private long deadline(DeviceState device) {
        return device.stepSince + settings.timeoutIn(device.step).toMillis();
    }

    private void fail(DeviceState device, String reason, long at, Context context, Collector<TargetRow> out) {
        out.collect(row(context, device.deploymentId, OtaStep.FAILED, reason, device.progress, at));
        context.output(FIRMWARE, new FirmwareRow(orgOf(context), deviceOf(context), device.firmware,
                device.previousFirmware, null));
        endAt(device, OtaStep.FAILED);
    }

    private void endAt(DeviceState device, OtaStep step) {
        device.step = step;
        device.endedDeploymentId = device.deploymentId;
        device.deploymentId = null;
        device.targetVersion = null;
    }

    /** The reason of a device's FAILED report: its message's leading code ({@code checksum_mismatch: ...}). */
    static String reason(String message) {
        if (message == null) {
            return "device_failed";
        }
        Matcher matcher = REASON.matcher(message.trim());
        return matcher.matches() ? matcher.group(1) : "device_failed";
    }

    private void reject(LifecycleInput input, Context context, String detail) {
        context.output(DeadLetters.TAG, DeadLetter.of(Instant.now(), jobName,
                new Rejection(RejectReason.INVALID_TRANSITION, detail), "ota", input.deviceKey(),
                ("{\"deploymentId\":\"" + input.deploymentId() + "\",\"status\":\"" + input.otaStatus() + "\",\"ts\":"
                        + input.ts() + "}").getBytes(StandardCharsets.UTF_8)));
    }

    private TargetRow row(Context context, String deploymentId, OtaStep step, String reason, Integer progress, long since) {
        return new TargetRow(orgOf(context), deploymentId, deviceOf(context), step.tableState(), reason, progress, since);
    }

    /** The alert of one offline period; its value is how long the device has been silent, in seconds. */
    private AlertRow offlineAlert(Context context, long openedAt, AlertStatus status, Long clearedAt, double silentSeconds) {
        String id = UUID.nameUUIDFromBytes((context.getCurrentKey() + '/' + OFFLINE_RULE + '@' + openedAt)
                .getBytes(StandardCharsets.UTF_8)).toString();
        return new AlertRow(id, orgOf(context), deviceOf(context), OFFLINE_RULE, "heartbeat", Severity.MAJOR, status,
                openedAt, silentSeconds, silentSeconds, null, clearedAt);
    }

    private static String orgOf(Context context) {
        String key = context.getCurrentKey();
        return key.substring(0, key.indexOf('/'));
    }

    private static String deviceOf(Context context) {
        String key = context.getCurrentKey();
        return key.substring(key.indexOf('/') + 1);
    }
}
