package io.plantline.api.kpis;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Optional;

/**
 * The bucket sizes of KPI series, one table each. Minutes and hours are cut in UTC; days at midnight in the
 * organisation's time zone, as the daily roll-ups are (so a day may have 23 or 25 hours).
 */
public enum Granularity {
    MINUTE("1m", Duration.ofMinutes(1)),
    HOUR("1h", Duration.ofHours(1)),
    DAY("1d", Duration.ofDays(1));

    public final String wireName;
    public final Duration nominal;

    Granularity(String wireName, Duration nominal) {
        this.wireName = wireName;
        this.nominal = nominal;
    }

    public static Optional<Granularity> fromWireName(String name) {
        return Arrays.stream(values()).filter(value -> value.wireName.equals(name)).findFirst();
    }

    /** Whether {@code instant} starts a bucket, so a range made of such instants covers whole buckets only. */
    public boolean isBoundary(Instant instant, ZoneId zone) {
        return switch (this) {
            case MINUTE, HOUR -> instant.getEpochSecond() % nominal.toSeconds() == 0 && instant.getNano() == 0;
            case DAY -> {
                ZonedDateTime local = instant.atZone(zone);
                yield local.truncatedTo(ChronoUnit.DAYS).toInstant().equals(instant);
            }
        };
    }
}
