package io.plantline.pipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DuplicateDeliveriesTest {

    private static final long T0 = 1_795_420_800_000L;
    private KeyedOneInputStreamOperatorTestHarness<String, DeviceReading, DeviceReading> harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new DuplicateDeliveries<>(Duration.ofMinutes(2))),
                DeviceReading::deviceKey, Types.STRING);
        harness.open();
    }

    @Test
    void aSecondDeliveryOfAMessageIsDroppedAndAnotherMessageAtTheSameTimePasses() throws Exception {
        deliver("press-1", T0, 11);
        deliver("press-1", T0 + 1_000, 12);
        deliver("press-1", T0, 11);                 // redelivered
        deliver("press-1", T0, 13);                 // another message with the same timestamp
        deliver("press-2", T0, 11);                 // another device's message with the same key

        assertThat(harness.extractOutputValues()).extracting(DeviceReading::deviceId, DeviceReading::messageKey)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("press-1", 11L),
                        org.assertj.core.groups.Tuple.tuple("press-1", 12L),
                        org.assertj.core.groups.Tuple.tuple("press-1", 13L),
                        org.assertj.core.groups.Tuple.tuple("press-2", 11L));
    }

    @Test
    void messagesAreRememberedForTheAllowedLatenessAfterTheWatermarkAndThenForgotten() throws Exception {
        deliver("press-1", T0, 11);
        harness.processWatermark(new Watermark(T0 + Duration.ofMinutes(2).toMillis()));
        deliver("press-1", T0, 11);
        assertThat(harness.extractOutputValues()).hasSize(1);

        harness.processWatermark(new Watermark(T0 + Duration.ofMinutes(4).toMillis()));

        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    /** Equal msgIds mean the same message (the contract), also when the device stamped each copy anew. */
    @Test
    void copiesOfAMessageCountOnceWhateverTheirEventTimes() throws Exception {
        deliver("press-1", T0, 11);
        deliver("press-1", T0 + 5_000, 11);
        deliver("press-1", T0 + 61_000, 11);
        deliver("press-1", T0 - 90_000, 11);
        harness.processWatermark(new Watermark(T0 + Duration.ofMinutes(2).toMillis() - 1));
        deliver("press-1", T0 + Duration.ofMinutes(3).toMillis(), 11);

        assertThat(harness.extractOutputValues()).extracting(DeviceReading::eventTime).containsExactly(T0);
    }

    @Test
    void recordsWithoutAnIdentityAlwaysPass() throws Exception {
        deliver("press-1", T0, IdentifiedMessage.NOT_DEDUPLICATED);
        deliver("press-1", T0, IdentifiedMessage.NOT_DEDUPLICATED);

        assertThat(harness.extractOutputValues()).hasSize(2);
    }

    private void deliver(String deviceId, long ts, long messageKey) throws Exception {
        harness.processElement(new DeviceReading("acme", deviceId, ts, new String[] {"temperature"}, new double[] {70},
                messageKey), ts);
    }
}
