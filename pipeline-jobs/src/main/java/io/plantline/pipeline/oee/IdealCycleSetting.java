package io.plantline.pipeline.oee;

/**
 * A machine's whole ideal cycle time schedule from its device settings on {@code factory.rules}: from
 * {@code effectiveFrom[i]} (epoch millis) on, {@code idealCycleMs[i]}, NaN where it has none. Empty arrays when the
 * device has no ideal cycle time at all, or was deleted.
 */
public record IdealCycleSetting(String orgSlug, String deviceId, long[] effectiveFrom, double[] idealCycleMs) {

    public String deviceKey() {
        return orgSlug + '/' + deviceId;
    }

    public IdealCycleHistory history() {
        IdealCycleHistory history = new IdealCycleHistory();
        for (int i = 0; i < effectiveFrom.length; i++) {
            history.set(effectiveFrom[i], Double.isNaN(idealCycleMs[i]) ? null : idealCycleMs[i]);
        }
        return history;
    }
}
