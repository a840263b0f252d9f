package io.plantline.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.api.jobs.JobHealth;
import io.plantline.model.Topics;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
                + "machine 120, device 0, dead-letter 3 | jobs oee RUNNING ckpt 4s rows 32s | open alerts 3 "
                + "| OEE 15 min 62.3% | sim sent 900 | heap 256 MB");
    }

    /** Issue 17, item 8: a job that is not processing is said first, in words, while the others go on. */
    @Test
    void aJobThatIsNotProcessingIsSaidFirst() {
        JobHealth restarting = new JobHealth("oee", "RESTARTING", Optional.of(T0.minusSeconds(300)),
                Optional.of(T0.minusSeconds(95)), Optional.of(T0.minusSeconds(100)), Optional.empty());
        JobHealth stuck = new JobHealth("telemetry-analytics", "RUNNING", Optional.of(T0.minusSeconds(600)),
                Optional.of(T0.minusSeconds(130)), Optional.empty(), Optional.empty());
        StatusSnapshot snapshot = new StatusSnapshot(T0, 0, Map.of(), List.of(restarting, stuck, running()), List.of(),
                OptionalLong.empty(), OptionalDouble.empty(), 0, 0, 0);

        assertThat(StatusLine.format(snapshot, snapshot)).startsWith("PROCESSING STOPPED: oee is RESTARTING; "
                + "telemetry-analytics has completed no checkpoint for 130 s | 10:00:00")
                .contains("| jobs oee RESTARTING ckpt 95s rows 100s, telemetry-analytics RUNNING ckpt 130s rows -, "
                        + "device-lifecycle RUNNING ckpt 4s rows 32s |");
    }

    /**
     * Issue 37, item 13: a job whose unprocessed records near Kafka's retention is warned about, after what stopped
     * processing ({@link io.plantline.api.jobs.RetentionRisk} finds them: RetentionRiskIT).
     */
    @Test
    void aJobWhoseBacklogNearsKafkasRetentionIsWarnedAbout() {
        JobHealth down = JobHealth.notRunning("oee", Optional.of(T0.minus(java.time.Duration.ofDays(6))));
        String warning = "oee has not processed 1200 records of factory.machine-events older than 134 h, which Kafka"
                + " deletes within 33 h (it keeps records 168 h)";
        StatusSnapshot snapshot = new StatusSnapshot(T0, 0, Map.of(), List.of(down, running()), List.of(warning),
                OptionalLong.empty(), OptionalDouble.empty(), 0, 0, 0);

        assertThat(StatusLine.format(snapshot, snapshot)).startsWith("PROCESSING STOPPED: oee is not running"
                + " | DATA AT RISK: " + warning + " | 10:00:00");
    }

    /** Issue 37, item 13: a job down for days with nothing unread loses nothing, so it is not warned about. */
    @Test
    void aJobThatIsDownWithNothingUnreadIsNotWarnedAbout() {
        JobHealth down = JobHealth.notRunning("oee", Optional.of(T0.minus(java.time.Duration.ofDays(6))));
        StatusSnapshot snapshot = new StatusSnapshot(T0, 0, Map.of(), List.of(down, running()), List.of(),
                OptionalLong.empty(), OptionalDouble.empty(), 0, 0, 0);

        assertThat(StatusLine.format(snapshot, snapshot)).startsWith("PROCESSING STOPPED: oee is not running | 10:00:00");
    }

    @Test
    void partsThatDidNotAnswerShowAsUnknown() {
        StatusSnapshot snapshot = snapshot(T0, 0, Map.of(), OptionalLong.empty(), OptionalDouble.empty());

        assertThat(StatusLine.format(snapshot, snapshot)).contains("open alerts ?", "OEE 15 min -", "mqtt in 0/s");
    }

    private static StatusSnapshot snapshot(Instant at, long mqttIn, Map<String, Long> kafka, OptionalLong alerts,
                                           OptionalDouble oee) {
        JobHealth oeeJob = new JobHealth("oee", "RUNNING", Optional.of(T0.minusSeconds(60)),
                Optional.of(at.minusSeconds(4)), Optional.of(at.minusSeconds(32)), Optional.empty());
        return new StatusSnapshot(at, mqttIn, kafka, List.of(oeeJob), List.of(), alerts, oee, 900, 0, 256L << 20);
    }

    private static JobHealth running() {
        return new JobHealth("device-lifecycle", "RUNNING", Optional.of(T0.minusSeconds(60)),
                Optional.of(T0.minusSeconds(4)), Optional.of(T0.minusSeconds(32)), Optional.empty());
    }

    @Test
    void aJobSaysWhichCheckpointItRestoredFrom() {
        JobHealth resumed = new JobHealth("oee", "RUNNING", Optional.of(T0.minusSeconds(60)),
                Optional.of(T0.minusSeconds(4)), Optional.of(T0.minusSeconds(32)),
                Optional.of("file:/home/user/.plantline/flink/checkpoints/4b1d/chk-12"));
        StatusSnapshot snapshot = new StatusSnapshot(T0, 0, Map.of(), List.of(resumed), List.of(), OptionalLong.empty(),
                OptionalDouble.empty(), 0, 0, 0);

        assertThat(StatusLine.format(snapshot, snapshot)).contains("| jobs oee RUNNING from chk-12 ckpt 4s rows 32s |");
    }
}
