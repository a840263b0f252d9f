package io.plantline.api.kpis;

import io.plantline.api.http.ApiException;
import io.plantline.api.http.Call;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** The ranges of answers summed from minutes (losses, shifts): whole minutes, at most a month of them. */
public final class MinuteRanges {

    public static final Duration MAX_RANGE = Duration.ofDays(31);

    /** A range {@code [from, to)} of whole minutes. */
    public record Range(Instant from, Instant to) {
    }

    private MinuteRanges() {
    }

    /** The query's {@code from} and {@code to}; 400 with every problem, {@code problems} found before included. */
    public static Range read(Call call, List<String> problems) {
        Instant from = call.requiredInstant("from", problems);
        Instant to = call.requiredInstant("to", problems);
        ApiException.throwIfAny(problems);
        check(from, to, problems);
        ApiException.throwIfAny(problems);
        return new Range(from, to);
    }

    /** What is wrong with {@code [from, to)}, added to {@code problems}. */
    public static void check(Instant from, Instant to, List<String> problems) {
        if (!from.isBefore(to) || Duration.between(from, to).compareTo(MAX_RANGE) > 0) {
            problems.add("from must be before to, at most " + MAX_RANGE.toDays() + " days apart");
        }
        if (!Granularity.MINUTE.isBoundary(from, null) || !Granularity.MINUTE.isBoundary(to, null)) {
            problems.add("from and to must be whole minutes (UTC)");
        }
    }
}
