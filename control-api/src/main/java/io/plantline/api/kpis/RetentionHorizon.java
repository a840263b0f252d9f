package io.plantline.api.kpis;

import io.plantline.api.ApiOptions.KpiRetention;
import io.plantline.api.http.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * How far back each granularity's tables still hold their buckets ({@link KpiRetention}). A range starting before
 * that is refused with 422 {@code past_retention} rather than answered with the empty or partial sums that the
 * dropped partitions would leave. Answers summed from minutes (losses, shifts) are bound by the minutes' retention.
 */
public final class RetentionHorizon {

    private final KpiRetention retention;
    private final Clock clock;

    public RetentionHorizon(KpiRetention retention, Clock clock) {
        this.retention = retention;
        this.clock = clock;
    }

    /** Throws 422 {@code past_retention} when buckets of {@code size} from {@code from} on are no longer all kept. */
    public void requireKept(String parameter, Granularity size, Instant from) {
        Optional<Duration> kept = switch (size) {
            case MINUTE -> retention.minutes();
            case HOUR -> retention.hours();
            case DAY -> retention.days();
        };
        Optional<Instant> keptFrom = kept.map(clock.instant().truncatedTo(ChronoUnit.SECONDS)::minus);
        if (keptFrom.isPresent() && from.isBefore(keptFrom.get())) {
            throw ApiException.of(422, "past_retention", size.wireName + " buckets before " + keptFrom.get()
                            + " are no longer kept; ask for a later range or a coarser granularity",
                    List.of(parameter + "=" + size.wireName + " is kept " + kept.get().toDays() + " days: from "
                            + keptFrom.get()));
        }
    }
}
