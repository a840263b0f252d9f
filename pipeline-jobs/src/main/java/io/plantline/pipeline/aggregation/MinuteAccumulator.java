package io.plantline.pipeline.aggregation;

/**
 * Count, min, max, mean and the sum of squared deviations of the readings so far (Welford's method, which stays
 * accurate where the textbook sum-of-squares formula cancels out for large values with small spread).
 */
public record MinuteAccumulator(long count, double min, double max, double mean, double squaredDeviations) {

    public static final MinuteAccumulator EMPTY =
            new MinuteAccumulator(0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0, 0);

    public MinuteAccumulator add(double value) {
        long n = count + 1;
        double delta = value - mean;
        double newMean = mean + delta / n;
        return new MinuteAccumulator(n, Math.min(min, value), Math.max(max, value), newMean,
                squaredDeviations + delta * (value - newMean));
    }

    /** Chan's parallel combination of two accumulators. */
    public MinuteAccumulator merge(MinuteAccumulator other) {
        if (other.count == 0) {
            return this;
        }
        if (count == 0) {
            return other;
        }
        long n = count + other.count;
        double delta = other.mean - mean;
        return new MinuteAccumulator(n, Math.min(min, other.min), Math.max(max, other.max),
                mean + delta * other.count / n,
                squaredDeviations + other.squaredDeviations + delta * delta * count * other.count / n);
    }

    /** The mean, kept inside [min, max] where rounding would put it a hair outside. */
    public double avg() {
        return Math.min(max, Math.max(min, mean));
    }

    /** Population standard deviation: the spread of the readings of the minute themselves. */
    public double stddev() {
        return count == 0 ? 0 : Math.sqrt(Math.max(0, squaredDeviations / count));
    }
}
