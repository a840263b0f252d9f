package io.plantline.pipeline.anomaly;

/**
 * What the detector knows of one series: how many readings it has seen, how many readings the current level is
 * learned from (restarted after a level shift), the level (mean) and variance, and the two one-sided CUSUM sums.
 */
public record Baseline(long seen, long learned, double mean, double variance, double cusumUp, double cusumDown) {
}
