package io.plantline.pipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EventTimeOrderTest {

    private OneInputStreamOperatorTestHarness<DeviceReading, DeviceReading> harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = harness();
        harness.open();
    }

    private static OneInputStreamOperatorTestHarness<DeviceReading, DeviceReading> harness() throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new EventTimeOrder<>(TypeInformation.of(DeviceReading.class), Duration.ofMinutes(2)));
    }

    @Test
    void readingsWaitForTheWatermarkAndLeaveInEventTimeOrder() throws Exception {
        send(3_000);
        send(1_000);
        send(2_000);
        send(5_000);
        assertThat(harness.extractOutputValues()).isEmpty();

        harness.processWatermark(3_000);

        assertThat(harness.extractOutputValues()).extracting(DeviceReading::ts).containsExactly(1_000L, 2_000L, 3_000L);
    }

    /** Issue 16, item 6: its partition was idle; the device's readings resume behind the others' watermark. */
    @Test
    void aReadingBehindTheWatermarkButInOrderForItsDeviceIsReleasedAtOnce() throws Exception {
        send("press-1", 1_000);
        harness.processWatermark(60_000);                   // event time went on with other partitions
        send("press-1", 9_000);
        send("press-1", 12_000);

        assertThat(harness.extractOutputValues()).extracting(DeviceReading::ts).containsExactly(1_000L, 9_000L, 12_000L);
    }

    @Test
    void aReadingEarlierThanOneReleasedForItsDeviceOrBeyondTheAllowedLatenessIsDropped() throws Exception {
        send("press-1", 30_000);
        harness.processWatermark(40_000);
        send("press-1", 20_000);                            // its device has moved on to 30 s
        harness.processWatermark(200_000);
        send("press-2", 70_000);                            // more than 2 minutes behind the watermark

        assertThat(harness.extractOutputValues()).extracting(DeviceReading::ts).containsExactly(30_000L);
    }

    @Test
    void heldReadingsSurviveARestoreFromASnapshot() throws Exception {
        send(2_000);
        send(1_000);
        OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        harness.close();

        harness = harness();
        harness.initializeState(snapshot);
        harness.open();
        harness.processWatermark(5_000);

        assertThat(harness.extractOutputValues()).extracting(DeviceReading::ts).containsExactly(1_000L, 2_000L);
    }

    private void send(long ts) throws Exception {
        send("press-1", ts);
    }

    private void send(String deviceId, long ts) throws Exception {
        harness.processElement(new DeviceReading("acme", deviceId, ts, new String[] {"temperature"},
                new double[] {85}, ts), ts);
    }
}
