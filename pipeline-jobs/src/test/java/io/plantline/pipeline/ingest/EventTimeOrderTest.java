package io.plantline.pipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EventTimeOrderTest {

    private static final int MAX_PARALLELISM = 128;

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

    /**
     * Issue 29, item 3: snapshot at parallelism 2 with readings of many devices held, restore at 4: each subtask
     * releases exactly the held readings of the devices routed to it, so every device's order and lateness are still
     * judged in one place.
     */
    @Test
    void afterARescaleEachSubtaskReleasesTheHeldReadingsOfItsOwnDevices() throws Exception {
        harness.close();
        List<String> devices = IntStream.range(0, 12).mapToObj(i -> "press-" + i).toList();
        OperatorSubtaskState[] snapshots = new OperatorSubtaskState[2];
        for (int subtask = 0; subtask < 2; subtask++) {
            try (OneInputStreamOperatorTestHarness<DeviceReading, DeviceReading> before = harness(2, subtask)) {
                before.open();
                for (String device : devices) {
                    if (owner("acme/" + device, 2) == subtask) {
                        before.processElement(reading(device, 2_000), 2_000);
                        before.processElement(reading(device, 1_000), 1_000);
                    }
                }
                snapshots[subtask] = before.snapshot(1, 1);
            }
        }
        OperatorSubtaskState both = AbstractStreamOperatorTestHarness.repackageState(snapshots);

        List<String> released = new ArrayList<>();
        for (int subtask = 0; subtask < 4; subtask++) {
            try (OneInputStreamOperatorTestHarness<DeviceReading, DeviceReading> after = harness(4, subtask)) {
                after.initializeState(AbstractStreamOperatorTestHarness.repartitionOperatorState(both, MAX_PARALLELISM, 2, 4, subtask));
                after.open();
                after.processWatermark(5_000);
                for (DeviceReading reading : after.extractOutputValues()) {
                    assertThat(owner(reading.deviceKey(), 4)).as(reading.deviceKey() + " released by subtask " + subtask)
                            .isEqualTo(subtask);
                    released.add(reading.deviceId() + "@" + reading.ts());
                }
            }
        }
        assertThat(released).hasSize(2 * devices.size()).doesNotHaveDuplicates();
    }

    /** A checkpoint from before issue 29 held the waiting readings in round-robin state named {@code unordered}. */
    @Test
    void readingsHeldInACheckpointFromBeforeAreReleasedAfterARestore() throws Exception {
        harness.close();
        OperatorSubtaskState old;
        try (OneInputStreamOperatorTestHarness<DeviceReading, DeviceReading> before =
                     new OneInputStreamOperatorTestHarness<>(new RoundRobinHeldReadings())) {
            before.open();
            before.processElement(reading("press-1", 2_000), 2_000);
            before.processElement(reading("press-1", 1_000), 1_000);
            old = before.snapshot(1, 1);
        }
        harness = harness();
        harness.initializeState(old);
        harness.open();
        harness.processWatermark(5_000);

        assertThat(harness.extractOutputValues()).extracting(DeviceReading::ts).containsExactly(1_000L, 2_000L);
        OperatorSubtaskState next = harness.snapshot(2, 2);
        harness.close();
        harness = harness();
        harness.initializeState(next);
        harness.open();
        harness.processWatermark(10_000);
        assertThat(harness.extractOutputValues()).as("released once").isEmpty();
    }

    /** Keeps readings as EventTimeOrder's checkpoints did before issue 29. */
    private static final class RoundRobinHeldReadings extends AbstractStreamOperator<DeviceReading>
            implements OneInputStreamOperator<DeviceReading, DeviceReading> {

        private transient ListState<DeviceReading> held;

        @Override
        public void initializeState(StateInitializationContext context) throws Exception {
            super.initializeState(context);
            held = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("unordered",
                    TypeInformation.of(DeviceReading.class)));
        }

        @Override
        public void processElement(StreamRecord<DeviceReading> element) throws Exception {
            held.add(element.getValue());
        }
    }

    private static int owner(String deviceKey, int parallelism) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(deviceKey, MAX_PARALLELISM, parallelism);
    }

    private static OneInputStreamOperatorTestHarness<DeviceReading, DeviceReading> harness(int parallelism, int subtask)
            throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new EventTimeOrder<>(TypeInformation.of(DeviceReading.class),
                Duration.ofMinutes(2)), MAX_PARALLELISM, parallelism, subtask);
    }

    private void send(long ts) throws Exception {
        send("press-1", ts);
    }

    private void send(String deviceId, long ts) throws Exception {
        harness.processElement(reading(deviceId, ts), ts);
    }

    private static DeviceReading reading(String deviceId, long ts) {
        return new DeviceReading("acme", deviceId, ts, new String[] {"temperature"}, new double[] {85}, ts);
    }
}
