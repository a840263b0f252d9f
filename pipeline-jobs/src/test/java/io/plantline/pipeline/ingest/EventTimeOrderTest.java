package io.plantline.pipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

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
        return new OneInputStreamOperatorTestHarness<>(new EventTimeOrder<>(TypeInformation.of(DeviceReading.class)));
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

    @Test
    void aReadingBehindTheWatermarkIsDropped() throws Exception {
        harness.processWatermark(10_000);
        send(9_000);
        harness.processWatermark(20_000);

        assertThat(harness.extractOutputValues()).isEmpty();
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
        harness.processElement(new DeviceReading("acme", "press-1", ts, new String[] {"temperature"},
                new double[] {85}, ts), ts);
    }
}
