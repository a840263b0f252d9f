package io.plantline.model;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One period of a machine's ideal cycle time: {@code idealCycleSeconds} from {@code effectiveFrom} until the next
 * period of its {@link IdealCycleSchedule} begins; empty means the machine has none then (performance and OEE are
 * NULL).
 */
public record IdealCycleTime(Instant effectiveFrom, Optional<Double> idealCycleSeconds) implements EffectivePeriod {

    /** An ideal cycle time may not exceed a day: anything longer is a unit mistake. */
    public static final double MAX_SECONDS = 86_400;

    public IdealCycleTime {
        Objects.requireNonNull(effectiveFrom, "effectiveFrom");
        idealCycleSeconds = Objects.requireNonNullElse(idealCycleSeconds, Optional.empty());
        idealCycleSeconds.filter(seconds -> !(seconds > 0 && seconds <= MAX_SECONDS)).ifPresent(seconds -> {
            throw new IllegalArgumentException("idealCycleSeconds must be above 0 and at most " + (long) MAX_SECONDS);
        });
    }
}
