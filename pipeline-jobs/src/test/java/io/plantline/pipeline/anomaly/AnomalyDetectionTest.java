package io.plantline.pipeline.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.pipeline.ingest.DeviceReading;
import java.time.Duration;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AnomalyDetectionTest {

    private KeyedOneInputStreamOperatorTestHarness<String, DeviceReading, Anomaly> harness;
    private final Random noise = new Random(3);
    private long ts;

    @BeforeEach
    void openHarness() throws Exception {
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new AnomalyDetection(AnomalySettings.DEFAULTS, Duration.ofHours(1))),
                DeviceReading::deviceKey, Types.STRING);
        harness.open();
    }

    @Test
    void nothingIsJudgedDuringWarmUp() throws Exception {
        send("press-1", 50);
        send("press-1", 5_000);

        assertThat(harness.extractOutputValues()).isEmpty();
    }

    @Test
    void aSpikeIsFoundAndDoesNotDisturbTheBaseline() throws Exception {
        sendNoisy("press-1", 50, 200);
        send("press-1", 70);
        sendNoisy("press-1", 50, 200);

        assertThat(harness.extractOutputValues()).singleElement().satisfies(anomaly -> {
            assertThat(anomaly.method()).isEqualTo(AnomalyDetector.SPIKE);
            assertThat(anomaly.value()).isEqualTo(70);
            assertThat(anomaly.score()).isGreaterThan(5);
        });
    }

    @Test
    void aLevelShiftIsFoundOnceThenLearnedAsTheNewNormal() throws Exception {
        sendNoisy("press-1", 50, 200);
        sendNoisy("press-1", 54, 300);   // four standard deviations up, for good

        assertThat(harness.extractOutputValues()).extracting(Anomaly::method)
                .containsExactly(AnomalyDetector.LEVEL_SHIFT);
    }

    @Test
    void eachMetricOfADeviceHasItsOwnBaseline() throws Exception {
        for (int i = 0; i < 200; i++) {
            ts += 1000;
            harness.processElement(new DeviceReading("acme", "press-1", ts, new String[] {"rpm", "temperature"},
                    new double[] {1200 + noise.nextGaussian() * 5, 50 + noise.nextGaussian()}, 0), ts);
        }
        ts += 1000;
        harness.processElement(new DeviceReading("acme", "press-1", ts, new String[] {"rpm", "temperature"},
                new double[] {1201, 70}, 0), ts);

        assertThat(harness.extractOutputValues()).extracting(Anomaly::metric).containsExactly("temperature");
    }

    @Test
    void eachDeviceHasItsOwnBaselineInKeyedState() throws Exception {
        sendNoisy("press-1", 50, 100);
        sendNoisy("press-2", 5_000, 100);

        assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
        assertThat(harness.extractOutputValues()).isEmpty();
    }

    @Test
    void aSeriesSilentForLongerThanTheStateTtlIsForgottenAndWarmsUpAgain() throws Exception {
        harness.setStateTtlProcessingTime(0);
        sendNoisy("press-1", 50, 200);
        harness.setStateTtlProcessingTime(Duration.ofHours(1).toMillis() + 1);

        send("press-1", 5_000);   // would be a spike against the old baseline; it is the first reading of a new one

        assertThat(harness.extractOutputValues()).isEmpty();
    }

    private void sendNoisy(String deviceId, double level, int readings) throws Exception {
        for (int i = 0; i < readings; i++) {
            send(deviceId, level + noise.nextGaussian());
        }
    }

    private void send(String deviceId, double value) throws Exception {
        ts += 1000;
        harness.processElement(new DeviceReading("acme", deviceId, ts, new String[] {"temperature"}, new double[] {value}, 0), ts);
    }
}
