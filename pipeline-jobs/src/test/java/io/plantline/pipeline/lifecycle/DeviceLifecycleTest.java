package io.plantline.pipeline.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.AlertStatus;
import io.plantline.model.AlertTransition;
import io.plantline.pipeline.alerting.AlertChange;
import io.plantline.pipeline.alerting.AlertRow;
import io.plantline.pipeline.sink.DeadLetters;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeviceLifecycleTest {

    private static final long T0 = 1_795_420_800_000L;
    private static final long MINUTE = 60_000;
    private static final String ORG = "acme";
    private static final String DEVICE = "press-1";

    private KeyedOneInputStreamOperatorTestHarness<String, LifecycleInput, TargetRow> harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = harness();
        harness.open();
    }

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, LifecycleInput, TargetRow> harness() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new DeviceLifecycle("lifecycle",
                LifecycleSettings.DEFAULTS, Duration.ofDays(7))), LifecycleInput::deviceKey, Types.STRING);
    }

    @Test
    void aDeviceSilentForNinetySecondsOfEventTimeGoesOfflineWithAnAlertThatItsNextMessageClears() throws Exception {
        input(LifecycleInput.seen(ORG, DEVICE, T0));
        assertThat(statuses()).containsExactly(new DeviceStatusRow(ORG, DEVICE, true, T0));

        harness.processWatermark(new Watermark(T0 + 89_999));
        assertThat(statuses()).hasSize(1);
        harness.processWatermark(new Watermark(T0 + 90_000));

        assertThat(statuses()).last().isEqualTo(new DeviceStatusRow(ORG, DEVICE, false, T0));
        AlertChange opened = alertChanges().get(0);
        assertThat(opened.transition()).isEqualTo(AlertTransition.OPENED);
        assertThat(opened.alert().ruleId()).isEqualTo("DEVICE_OFFLINE");
        assertThat(opened.alert().openedAt()).isEqualTo(T0 + 90_000);

        input(LifecycleInput.heartbeat(ORG, DEVICE, T0 + 200_000, null));

        assertThat(statuses()).last().isEqualTo(new DeviceStatusRow(ORG, DEVICE, true, T0 + 200_000));
        AlertChange cleared = alertChanges().get(1);
        assertThat(cleared.transition()).isEqualTo(AlertTransition.CLEARED);
        assertThat(cleared.alert().id()).isEqualTo(opened.alert().id());
        assertThat(cleared.alert().status()).isEqualTo(AlertStatus.CLEARED);
        assertThat(cleared.alert().clearedAt()).isEqualTo(T0 + 200_000);
        assertThat(cleared.alert().lastValue()).isEqualTo(200.0);
        assertThat(alertRows()).extracting(AlertRow::status).containsExactly(AlertStatus.ACTIVE, AlertStatus.CLEARED);
    }

    /**
     * Issue 16, item 9: after a broker outage, the device's queued messages arrive once it has been declared offline.
     * The alert is cleared at a time the table accepts (never before it opened), and the device goes offline again
     * from its true last message if that was long enough ago.
     */
    @Test
    void messagesOlderThanTheOfflineAlertClearItAtItsOpeningAndNeverBeforeIt() throws Exception {
        input(LifecycleInput.seen(ORG, DEVICE, T0));
        harness.processWatermark(new Watermark(T0 + 200_000));
        assertThat(alertRows()).singleElement().satisfies(alert -> assertThat(alert.openedAt()).isEqualTo(T0 + 90_000));

        input(LifecycleInput.seen(ORG, DEVICE, T0 + 50_000));        // queued during the outage, delivered now

        AlertRow cleared = alertRows().get(1);
        assertThat(cleared.status()).isEqualTo(AlertStatus.CLEARED);
        assertThat(cleared.clearedAt()).isGreaterThanOrEqualTo(cleared.openedAt());
        harness.processWatermark(new Watermark(T0 + 201_000));
        assertThat(alertRows()).last().satisfies(again -> {
            assertThat(again.status()).isEqualTo(AlertStatus.ACTIVE);
            assertThat(again.openedAt()).isEqualTo(T0 + 140_000);
        });
        assertThat(alertRows()).allSatisfy(alert -> assertThat(alert.clearedAt() == null
                || alert.clearedAt() >= alert.openedAt()).isTrue());
    }

    /** A copy of a message already seen (a QoS 1 redelivery) or an older one says nothing new about the device. */
    @Test
    void aMessageNoNewerThanTheLastOneSeenLeavesTheOfflineAlertOpen() throws Exception {
        input(LifecycleInput.seen(ORG, DEVICE, T0));
        harness.processWatermark(new Watermark(T0 + 200_000));

        input(LifecycleInput.seen(ORG, DEVICE, T0));                  // the same message again
        input(LifecycleInput.heartbeat(ORG, DEVICE, T0 - 10_000, null));  // one sent before it
        harness.processWatermark(new Watermark(T0 + 201_000));

        assertThat(alertChanges()).extracting(AlertChange::transition).containsExactly(AlertTransition.OPENED);
        assertThat(alertRows()).extracting(AlertRow::status).containsExactly(AlertStatus.ACTIVE);
        assertThat(statuses()).last().isEqualTo(new DeviceStatusRow(ORG, DEVICE, false, T0));

        input(LifecycleInput.seen(ORG, DEVICE, T0 + 300_000));

        assertThat(alertRows()).last().satisfies(cleared -> {
            assertThat(cleared.status()).isEqualTo(AlertStatus.CLEARED);
            assertThat(cleared.clearedAt()).isEqualTo(T0 + 300_000);
        });
    }

    /** Issue 16, item 10: a device away for longer than the state TTL still has its offline alert cleared on return. */
    @Test
    void aDeviceAwayForLongerThanTheStateTtlHasItsOfflineAlertClearedWhenItReturns() throws Exception {
        harness.close();
        harness = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new DeviceLifecycle("lifecycle",
                LifecycleSettings.DEFAULTS, Duration.ofHours(1))), LifecycleInput::deviceKey, Types.STRING);
        harness.open();
        harness.setStateTtlProcessingTime(0);
        input(LifecycleInput.seen(ORG, DEVICE, T0));
        harness.processWatermark(new Watermark(T0 + 100_000));
        AlertRow opened = alertRows().get(0);

        harness.setStateTtlProcessingTime(Duration.ofHours(3).toMillis());   // away for three state TTLs
        input(LifecycleInput.heartbeat(ORG, DEVICE, T0 + Duration.ofHours(3).toMillis(), null));

        assertThat(alertRows()).last().satisfies(cleared -> {
            assertThat(cleared.id()).isEqualTo(opened.id());
            assertThat(cleared.status()).isEqualTo(AlertStatus.CLEARED);
        });
        assertThat(alertChanges()).extracting(AlertChange::transition)
                .containsExactly(AlertTransition.OPENED, AlertTransition.CLEARED);
    }

    @Test
    void messagesKeepADeviceOnlineAndLastSeenIsWrittenAtMostEveryThirtySeconds() throws Exception {
        for (int second = 0; second <= 120; second += 10) {
            input(LifecycleInput.seen(ORG, DEVICE, T0 + second * 1000L));
            harness.processWatermark(new Watermark(T0 + second * 1000L - 5_000));
        }
        assertThat(statuses()).extracting(DeviceStatusRow::lastSeenAt)
                .containsExactly(T0, T0 + 30_000, T0 + 60_000, T0 + 90_000, T0 + 120_000);
        assertThat(alertChanges()).isEmpty();
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
    }

    @Test
    void anUpdateSucceedsOnlyWhenTheDeviceComesBackOnTheNewVersion() throws Exception {
        input(LifecycleInput.heartbeat(ORG, DEVICE, T0, "1.0.0"));
        input(LifecycleInput.sent(ORG, DEVICE, T0 + 1000, "dep-1", "2.0.0"));
        report(T0 + 2000, "DOWNLOADING", 40, null);
        report(T0 + 3000, "DOWNLOADING", 100, null);
        report(T0 + 4000, "DOWNLOADED", null, null);
        report(T0 + 5000, "VERIFIED", null, null);
        report(T0 + 6000, "INSTALLING", null, null);
        report(T0 + 7000, "SUCCEEDED", null, null);

        assertThat(harness.extractOutputValues()).extracting(TargetRow::state).containsExactly("SENT", "DOWNLOADING",
                "DOWNLOADING", "DOWNLOADED", "VERIFIED", "INSTALLING", "INSTALLING");
        assertThat(harness.extractOutputValues().get(2).progress()).isEqualTo(100);
        assertThat(firmwareRows()).containsExactly(new FirmwareRow(ORG, DEVICE, "1.0.0", null, null));

        input(LifecycleInput.heartbeat(ORG, DEVICE, T0 + 40_000, "2.0.0"));

        assertThat(harness.extractOutputValues()).last().isEqualTo(new TargetRow(ORG, "dep-1", DEVICE, "SUCCEEDED", null,
                100, T0 + 40_000));
        assertThat(firmwareRows()).last().isEqualTo(new FirmwareRow(ORG, DEVICE, "2.0.0", "1.0.0", null));
        int rows = harness.extractOutputValues().size();
        input(LifecycleInput.heartbeat(ORG, DEVICE, T0 + 60 * MINUTE, "2.0.0"));
        harness.processWatermark(new Watermark(T0 + 60 * MINUTE)); // every deadline of the update has passed
        assertThat(harness.extractOutputValues()).hasSize(rows);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1); // the offline limit's
    }

    @Test
    void anOfflineLimitAndADeadlineAtTheSameInstantBothFire() throws Exception {
        LifecycleSettings same = new LifecycleSettings(Duration.ofSeconds(90), Duration.ofSeconds(90), Duration.ofMinutes(30),
                Duration.ofMinutes(10), Duration.ofMinutes(5), Duration.ofSeconds(60), Duration.ofSeconds(30));
        harness.close();
        harness = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new DeviceLifecycle("lifecycle",
                same, Duration.ofDays(7))), LifecycleInput::deviceKey, Types.STRING);
        harness.open();
        input(LifecycleInput.seen(ORG, DEVICE, T0));
        input(LifecycleInput.sent(ORG, DEVICE, T0, "dep-1", "2.0.0"));
        input(LifecycleInput.seen(ORG, DEVICE, T0 + 10_000)); // moves the offline limit on, off the shared instant

        harness.processWatermark(new Watermark(T0 + 90_000));
        assertThat(harness.extractOutputValues()).last().satisfies(row -> assertThat(row.reason()).isEqualTo("timeout"));
        harness.processWatermark(new Watermark(T0 + 100_000));
        assertThat(statuses()).last().isEqualTo(new DeviceStatusRow(ORG, DEVICE, false, T0 + 10_000));
    }

    @Test
    void aDeviceReportingFailureEndsWithItsReason() throws Exception {
        input(LifecycleInput.sent(ORG, DEVICE, T0, "dep-1", "2.0.0"));
        report(T0 + 1000, "DOWNLOADED", null, null);
        report(T0 + 2000, "FAILED", null, "checksum_mismatch: expected ab12..., got 99ff...");

        assertThat(harness.extractOutputValues()).last().isEqualTo(new TargetRow(ORG, "dep-1", DEVICE, "FAILED",
                "checksum_mismatch", null, T0 + 2000));
        assertThat(DeviceLifecycle.reason("Flash write error")).isEqualTo("device_failed");
        assertThat(DeviceLifecycle.reason(null)).isEqualTo("device_failed");
    }

    @Test
    void eachStepHasItsDeadlineAndASilentDeviceTimesOut() throws Exception {
        input(LifecycleInput.sent(ORG, DEVICE, T0, "dep-1", "2.0.0"));
        report(T0 + 1000, "DOWNLOADING", 10, null);
        harness.processWatermark(new Watermark(T0 + 1000 + 30 * MINUTE - 1));
        assertThat(harness.extractOutputValues()).extracting(TargetRow::state).doesNotContain("FAILED");

        harness.processWatermark(new Watermark(T0 + 1000 + 30 * MINUTE));

        assertThat(harness.extractOutputValues()).last().isEqualTo(new TargetRow(ORG, "dep-1", DEVICE, "FAILED",
                "timeout", 10, T0 + 1000 + 30 * MINUTE));

        input(LifecycleInput.sent(ORG, "press-2", T0, "dep-1", "2.0.0")); // never answers at all
        harness.processWatermark(new Watermark(T0 + 10 * MINUTE));
        assertThat(harness.extractOutputValues()).last().satisfies(row -> {
            assertThat(row.deviceId()).isEqualTo("press-2");
            assertThat(row.reason()).isEqualTo("timeout");
        });
    }

    @Test
    void aDeviceBackOnTheOldVersionIsARollbackAndOneThatNeverComesBackTimesOut() throws Exception {
        input(LifecycleInput.heartbeat(ORG, DEVICE, T0, "1.0.0"));
        input(LifecycleInput.sent(ORG, DEVICE, T0 + 1000, "dep-1", "2.0.0"));
        report(T0 + 2000, "SUCCEEDED", 100, null);
        input(LifecycleInput.heartbeat(ORG, DEVICE, T0 + 30_000, "1.0.0"));

        assertThat(harness.extractOutputValues()).last().isEqualTo(new TargetRow(ORG, "dep-1", DEVICE, "FAILED",
                "rollback_detected", 100, T0 + 30_000));
        assertThat(firmwareRows()).last().isEqualTo(new FirmwareRow(ORG, DEVICE, "1.0.0", null, null));

        input(LifecycleInput.sent(ORG, "press-2", T0, "dep-1", "2.0.0"));
        input(LifecycleInput.progress(ORG, "press-2", T0 + 1000, "dep-1", "SUCCEEDED", 100, null, 1));
        harness.processWatermark(new Watermark(T0 + 1000 + 5 * MINUTE));
        assertThat(harness.extractOutputValues()).last().isEqualTo(new TargetRow(ORG, "dep-1", "press-2", "FAILED",
                "timeout", 100, T0 + 1000 + 5 * MINUTE));
    }

    @Test
    void aCommandReadBeforeTheFirstHeartbeatStillDetectsTheRollback() throws Exception {
        input(LifecycleInput.sent(ORG, DEVICE, T0, "dep-1", "2.0.0"));
        input(LifecycleInput.heartbeat(ORG, DEVICE, T0 + 500, "1.0.0"));
        report(T0 + 1000, "SUCCEEDED", null, null);
        input(LifecycleInput.heartbeat(ORG, DEVICE, T0 + 30_000, "1.0.0"));

        assertThat(harness.extractOutputValues()).last().satisfies(row -> assertThat(row.reason()).isEqualTo("rollback_detected"));
    }

    @Test
    void impossibleStepsAreDeadLettersAndChangeNothing() throws Exception {
        input(LifecycleInput.sent(ORG, DEVICE, T0, "dep-1", "2.0.0"));
        report(T0 + 1000, "INSTALLING", null, null);
        report(T0 + 2000, "DOWNLOADING", 50, null);
        report(T0 + 3000, "FAILED", null, "flash_error");
        report(T0 + 4000, "INSTALLING", null, null);

        assertThat(harness.extractOutputValues()).extracting(TargetRow::state).containsExactly("SENT", "INSTALLING", "FAILED");
        assertThat(harness.getSideOutput(DeadLetters.TAG)).hasSize(2).allSatisfy(letter ->
                assertThat(letter.getValue().reason()).isEqualTo("invalid_transition"));
    }

    @Test
    void aReportReadBeforeItsCommandStartsTheTargetAndTheCommandThenChangesNoStep() throws Exception {
        report(T0 + 2000, "DOWNLOADING", 20, null);
        input(LifecycleInput.sent(ORG, DEVICE, T0 + 1000, "dep-1", "2.0.0"));
        input(LifecycleInput.heartbeat(ORG, DEVICE, T0 + 60_000, "2.0.0"));

        assertThat(harness.extractOutputValues()).extracting(TargetRow::state).containsExactly("DOWNLOADING", "SUCCEEDED");
    }

    @Test
    void anUpdateUnderWaySurvivesARestoreFromACheckpoint() throws Exception {
        input(LifecycleInput.heartbeat(ORG, DEVICE, T0, "1.0.0"));
        input(LifecycleInput.sent(ORG, DEVICE, T0 + 1000, "dep-1", "2.0.0"));
        report(T0 + 2000, "SUCCEEDED", 100, null);
        OperatorSubtaskState snapshot = harness.snapshot(1, T0 + 3000);
        harness.close();

        harness = harness();
        harness.initializeState(snapshot);
        harness.open();
        input(LifecycleInput.heartbeat(ORG, DEVICE, T0 + 60_000, "2.0.0"));

        assertThat(harness.extractOutputValues()).last().satisfies(row -> assertThat(row.state()).isEqualTo("SUCCEEDED"));
        assertThat(firmwareRows()).last().isEqualTo(new FirmwareRow(ORG, DEVICE, "2.0.0", "1.0.0", null));
    }

    private void report(long ts, String status, Integer progress, String message) throws Exception {
        input(LifecycleInput.progress(ORG, DEVICE, ts, "dep-1", status, progress, message, ts));
    }

    private void input(LifecycleInput input) throws Exception {
        harness.processElement(new StreamRecord<>(input, input.ts()));
    }

    private List<DeviceStatusRow> statuses() {
        return values(harness.getSideOutput(DeviceLifecycle.STATUS));
    }

    private List<FirmwareRow> firmwareRows() {
        return values(harness.getSideOutput(DeviceLifecycle.FIRMWARE));
    }

    private List<AlertChange> alertChanges() {
        return values(harness.getSideOutput(DeviceLifecycle.ALERT_CHANGES));
    }

    private List<AlertRow> alertRows() {
        return values(harness.getSideOutput(DeviceLifecycle.ALERTS));
    }

    private static <T> List<T> values(java.util.Collection<StreamRecord<T>> records) {
        return records == null ? List.of() : records.stream().map(StreamRecord::getValue).toList();
    }
}
