package io.plantline.local;

import io.plantline.api.jobs.JobHealth;
import io.plantline.model.Topics;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Turns two snapshots into the one line local mode keeps refreshing: rates, counts, each job's state with the age of
 * its last checkpoint and of its newest rows, and KPIs at a glance. When a job is not processing, the line starts
 * by saying so, and when a job's backlog nears what Kafka keeps, it says that too.
 */
final class StatusLine {

    /** The topics whose records are the plant's messages arriving from the bridge or the ingestion API. */
    static final List<String> INBOUND = List.of(Topics.TELEMETRY, Topics.MACHINE_EVENTS, Topics.DEVICE_EVENTS);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private StatusLine() {
    }

    static String format(StatusSnapshot previous, StatusSnapshot current) {
        double seconds = Math.max(0.001, Duration.between(previous.at(), current.at()).toMillis() / 1000.0);
        long kafkaIn = inbound(current) - inbound(previous);
        List<String> problems = current.jobs().stream().flatMap(job -> job.problem(current.at()).stream()).toList();
        return String.format(Locale.ROOT,
                "%s%s%s | mqtt in %s/s | kafka in %s/s: telemetry %d, machine %d, device %d, dead-letter %d "
                        + "| jobs %s | open alerts %s | OEE 15 min %s | sim sent %d%s | heap %d MB",
                problems.isEmpty() ? "" : "PROCESSING STOPPED: " + String.join("; ", problems) + " | ",
                current.retentionWarnings().isEmpty() ? ""
                        : "DATA AT RISK: " + String.join("; ", current.retentionWarnings()) + " | ",
                CLOCK.format(current.at()),
                rate(current.mqttPublishesIn() - previous.mqttPublishesIn(), seconds),
                rate(kafkaIn, seconds),
                records(current, Topics.TELEMETRY), records(current, Topics.MACHINE_EVENTS),
                records(current, Topics.DEVICE_EVENTS), records(current, Topics.DEAD_LETTER),
                jobs(current),
                current.openAlerts().isPresent() ? Long.toString(current.openAlerts().getAsLong()) : "?",
                current.oeeLast15Minutes().isPresent()
                        ? String.format(Locale.ROOT, "%.1f%%", current.oeeLast15Minutes().getAsDouble() * 100) : "-",
                current.simulatorPublished(),
                current.simulatorSkipped() > 0 ? " (skipped " + current.simulatorSkipped() + ")" : "",
                current.heapUsedBytes() >> 20);
    }

    /**
     * Per job: its state, the checkpoint it restored from (if any), seconds since its last checkpoint and since it
     * last stored rows ("-": not yet).
     */
    private static String jobs(StatusSnapshot snapshot) {
        return snapshot.jobs().stream().map(job -> String.format(Locale.ROOT, "%s %s%s ckpt %s rows %s", job.name(),
                        job.state(), job.restoredFrom().map(path -> " from " + path.substring(path.lastIndexOf('/') + 1))
                                .orElse(""),
                        age(job.lastCheckpointAt(), snapshot.at()), age(job.lastRowWrittenAt(), snapshot.at())))
                .collect(Collectors.joining(", "));
    }

    private static String age(Optional<Instant> at, Instant now) {
        return JobHealth.secondsSince(at, now).map(seconds -> seconds + "s").orElse("-");
    }

    private static long inbound(StatusSnapshot snapshot) {
        return INBOUND.stream().mapToLong(topic -> records(snapshot, topic)).sum();
    }

    private static long records(StatusSnapshot snapshot, String topic) {
        return snapshot.kafkaRecordsByTopic().getOrDefault(topic, 0L);
    }

    private static String rate(long count, double seconds) {
        return String.format(Locale.ROOT, "%.0f", count / seconds);
    }
}
