package io.plantline.pipeline.anomaly;

import java.io.Serializable;

/**
 * How sensitive the detector is.
 *
 * @param warmupReadings  readings that only teach the baseline before anything is judged (default 30)
 * @param spikeZ          a reading this many standard deviations from the baseline is a spike (default 5)
 * @param shiftThreshold  the CUSUM decision limit, in standard deviations accumulated beyond half a standard deviation
 *                        per reading, at which the level is judged to have moved (default 12); lower finds smaller
 *                        shifts sooner and raises more false alarms
 */
public record AnomalySettings(int warmupReadings, double spikeZ, double shiftThreshold) implements Serializable {

    public static final AnomalySettings DEFAULTS = new AnomalySettings(30, 5.0, 12.0);

    /** How fast the baseline follows the signal: slow enough to ignore noise, fast enough to follow slow drift. */
    static final double BASELINE_WEIGHT = 0.05;
    /** Per-reading allowance of the CUSUM, in standard deviations: drift slower than this never accumulates. */
    static final double CUSUM_SLACK = 0.5;
    /** One reading adds at most this many standard deviations to the CUSUM, so a lone spike never looks like a shift. */
    static final double CUSUM_CLIP = 4.0;

    public AnomalySettings {
        if (warmupReadings < 2 || spikeZ <= 0 || shiftThreshold <= 0) {
            throw new IllegalArgumentException("warmupReadings >= 2, spikeZ > 0 and shiftThreshold > 0 required");
        }
    }
}
