package io.plantline.pipeline.anomaly;

import java.io.Serializable;

/**
 * Online anomaly detection for one series, one reading at a time, with nothing but a {@link Baseline} as memory.
 *
 * <p>The baseline is an exponentially weighted mean and variance, so slow drift is followed and ordinary noise
 * sets the scale. A reading far from the baseline ({@code spikeZ} standard deviations) is a spike and is kept out
 * of the baseline, so one bad value neither moves the level nor widens the noise. A level shift is a run of
 * moderate deviations on one side that a spike test misses; a two-sided CUSUM of the standardised deviations
 * (clipped, minus a slack) finds it within a few readings, after which the level is learned anew from the readings
 * that follow. During warm-up and relearning nothing is judged.
 */
public final class AnomalyDetector implements Serializable {

    public static final String SPIKE = "spike";
    public static final String LEVEL_SHIFT = "level_shift";

    private final AnomalySettings settings;

    public AnomalyDetector(AnomalySettings settings) {
        this.settings = settings;
    }

    /** The baseline after {@code value}, and the anomaly it is, if any. */
    public record Outcome(Baseline baseline, String method, double score) {
        public boolean anomalous() {
            return method != null;
        }
    }

    public Outcome observe(Baseline baseline, double value) {
        if (baseline == null) {
            return normal(new Baseline(1, 1, value, 0, 0, 0));
        }
        long seen = baseline.seen() + 1;
        if (baseline.learned() < settings.warmupReadings()) {
            return normal(learn(baseline, seen, value));
        }
        double sigma = Math.sqrt(Math.max(baseline.variance(), minimumVariance(baseline.mean())));
        double z = (value - baseline.mean()) / sigma;
        double clipped = Math.max(-AnomalySettings.CUSUM_CLIP, Math.min(AnomalySettings.CUSUM_CLIP, z));
        double up = Math.max(0, baseline.cusumUp() + clipped - AnomalySettings.CUSUM_SLACK);
        double down = Math.max(0, baseline.cusumDown() - clipped - AnomalySettings.CUSUM_SLACK);
        if (up > settings.shiftThreshold() || down > settings.shiftThreshold()) {
            // Relearn the level from here on; the noise scale is the machine's and usually survives a shift.
            return new Outcome(new Baseline(seen, 1, value, baseline.variance(), 0, 0), LEVEL_SHIFT, Math.abs(z));
        }
        if (Math.abs(z) >= settings.spikeZ()) {
            return new Outcome(new Baseline(seen, baseline.learned(), baseline.mean(), baseline.variance(), up, down),
                    SPIKE, Math.abs(z));
        }
        double weight = AnomalySettings.BASELINE_WEIGHT;
        double deviation = value - baseline.mean();
        return normal(new Baseline(seen, baseline.learned() + 1, baseline.mean() + weight * deviation,
                (1 - weight) * (baseline.variance() + weight * deviation * deviation), up, down));
    }

    /** Warm-up and relearning: the level is the plain running mean; the variance is learned only at warm-up. */
    private static Baseline learn(Baseline baseline, long seen, double value) {
        long n = baseline.learned() + 1;
        double deviation = value - baseline.mean();
        double mean = baseline.mean() + deviation / n;
        double variance = baseline.seen() == baseline.learned()
                ? baseline.variance() + (deviation * (value - mean) - baseline.variance()) / n
                : baseline.variance();
        return new Baseline(seen, n, mean, variance, 0, 0);
    }

    /** A constant signal has no noise to measure; a thousandth of its level keeps z finite and meaningful. */
    private static double minimumVariance(double mean) {
        double sigma = 1e-3 * Math.max(1, Math.abs(mean));
        return sigma * sigma;
    }

    private static Outcome normal(Baseline baseline) {
        return new Outcome(baseline, null, 0);
    }
}
