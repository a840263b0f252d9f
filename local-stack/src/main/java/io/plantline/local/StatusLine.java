package io.plantline.local;

import io.plantline.model.Topics;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** Turns two snapshots into the one line local mode keeps refreshing: rates, counts and KPIs at a glance. */
final class StatusLine {

    /** The topics whose records are the plant's messages arriving from the bridge or the ingestion API. */
    static final List<String> INBOUND = List.of(Topics.TELEMETRY, Topics.MACHINE_EVENTS, Topics.DEVICE_EVENTS);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private StatusLine() {
    }

    static String format(StatusSnapshot previous, StatusSnapshot current) {
        double seconds = Math.max(0.001, Duration.between(previous.at(), current.at()).toMillis() / 1000.0);
        long kafkaIn = inbound(current) - inbound(previous);
        return String.format(Locale.ROOT,
                "%s | mqtt in %s/s | kafka in %s/s: telemetry %d, machine %d, device %d, dead-letter %d "
                        + "| flink jobs %d | open alerts %s | OEE 15 min %s | sim sent %d%s | heap %d MB",
                CLOCK.format(current.at()),
                rate(current.mqttPublishesIn() - previous.mqttPublishesIn(), seconds),
                rate(kafkaIn, seconds),
                records(current, Topics.TELEMETRY), records(current, Topics.MACHINE_EVENTS),
                records(current, Topics.DEVICE_EVENTS), records(current, Topics.DEAD_LETTER),
                current.flinkJobsRunning(),
                current.openAlerts().isPresent() ? Long.toString(current.openAlerts().getAsLong()) : "?",
                current.oeeLast15Minutes().isPresent()
                        ? String.format(Locale.ROOT, "%.1f%%", current.oeeLast15Minutes().getAsDouble() * 100) : "-",
                current.simulatorPublished(),
                current.simulatorSkipped() > 0 ? " (skipped " + current.simulatorSkipped() + ")" : "",
                current.heapUsedBytes() >> 20);
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
