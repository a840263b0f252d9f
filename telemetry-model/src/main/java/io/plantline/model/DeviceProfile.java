package io.plantline.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the edge checks of a device assigned a profile: the metrics it may report, each with an optional valid range
 * (bounds included). A reading of a metric the profile does not declare, or outside its range, is outside the profile:
 * refused to the dead-letter topic, or, when {@code flagOnly}, accepted and marked with {@link #OUTSIDE_HEADER}.
 */
public record DeviceProfile(String profileId, Map<String, Range> metrics, boolean flagOnly) {

    /** The Kafka header that marks an accepted reading outside its device's profile, with what is outside. */
    public static final String OUTSIDE_HEADER = "plantline-outside-profile";

    /** Valid values of a metric; a null bound is open. */
    public record Range(Double min, Double max) {
        boolean contains(double value) {
            return (min == null || value >= min) && (max == null || value <= max);
        }
    }

    public DeviceProfile {
        Objects.requireNonNull(profileId, "profileId");
        metrics = Map.copyOf(metrics);
    }

    /** Each metric of the reading outside the profile, in a few words; empty when the whole reading is inside. */
    public List<String> outside(Map<String, Double> readings) {
        List<String> outside = new ArrayList<>();
        readings.forEach((metric, value) -> {
            Range range = metrics.get(metric);
            if (range == null) {
                outside.add(metric + " is not declared");
            } else if (!range.contains(value)) {
                outside.add(metric + " " + value + " is outside [" + bound(range.min()) + ", " + bound(range.max()) + "]");
            }
        });
        return outside;
    }

    private static String bound(Double value) {
        return value == null ? "open" : value.toString();
    }
}
