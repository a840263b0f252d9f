package io.plantline.pipeline.oee;

/**
 * A machine's ideal cycle time from {@code effectiveFrom} (epoch millis) on, from its device settings on
 * {@code factory.rules}; {@code idealCycleMs} is NaN when the setting was removed.
 */
public record IdealCycleSetting(String orgSlug, String deviceId, long effectiveFrom, double idealCycleMs) {

    public String deviceKey() {
        return orgSlug + '/' + deviceId;
    }
}
