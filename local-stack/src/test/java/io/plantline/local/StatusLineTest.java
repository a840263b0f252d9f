package io.plantline.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.Topics;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class StatusLineTest {

    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    @Test
    void ratesAreTheDifferenceOfTwoSnapshotsOverTheirInterval() {
        StatusSnapshot before = snapshot(T0, 1_000, Map.of(Topics.TELEMETRY, 500L, Topics.MACHINE_EVENTS, 100L),
                OptionalLong.of(2), OptionalDouble.empty());
        StatusSnapshot after = snapshot(T0.plusSeconds(2), 1_100, Map.of(Topics.TELEMETRY, 580L,
                Topics.MACHINE_EVENTS, 120L, Topics.DEAD_LETTER, 3L), OptionalLong.of(3), OptionalDouble.of(0.6234));

        assertThat(StatusLine.format(before, after)).isEqualTo("10:00:02 | mqtt in 50/s | kafka in 50/s: telemetry 580, "
                + "machine 120, device 0, dead-letter 3 | flink jobs 1 | open alerts 3 | OEE 15 min 62.3% "
                + "| sim sent 900 | heap 256 MB");
    }

    @Test
    void partsThatDidNotAnswerShowAsUnknown() {
        StatusSnapshot snapshot = snapshot(T0, 0, Map.of(), OptionalLong.empty(), OptionalDouble.empty());

        assertThat(StatusLine.format(snapshot, snapshot)).contains("open alerts ?", "OEE 15 min -", "mqtt in 0/s");
    }

    private static StatusSnapshot snapshot(Instant at, long mqttIn, Map<String, Long> kafka, OptionalLong alerts,
                                           OptionalDouble oee) {
        return new StatusSnapshot(at, mqttIn, kafka, 1, alerts, oee, 900, 0, 256L << 20);
    }
}
