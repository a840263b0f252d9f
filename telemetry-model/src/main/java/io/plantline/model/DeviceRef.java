package io.plantline.model;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A device named the way the whole pipeline names it: by its organisation's slug and its id
 * within that organisation. The Kafka record key of everything a device sends is {@link #key()}.
 */
public record DeviceRef(String orgSlug, String deviceId) {

    public static final Pattern ORG_SLUG = Pattern.compile("[a-z0-9][a-z0-9-]{1,62}");
    public static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    public DeviceRef {
        if (orgSlug == null || !ORG_SLUG.matcher(orgSlug).matches()) {
            throw new IllegalArgumentException("invalid organisation slug: " + orgSlug);
        }
        if (deviceId == null || !DEVICE_ID.matcher(deviceId).matches()) {
            throw new IllegalArgumentException("invalid device id: " + deviceId);
        }
    }

    /** The pair as one value, or empty when either part breaks the identity contract. */
    public static Optional<DeviceRef> tryOf(String orgSlug, String deviceId) {
        boolean valid = orgSlug != null && ORG_SLUG.matcher(orgSlug).matches()
                && deviceId != null && DEVICE_ID.matcher(deviceId).matches();
        return valid ? Optional.of(new DeviceRef(orgSlug, deviceId)) : Optional.empty();
    }

    /** Parses a Kafka key of the form {@code orgSlug/deviceId}. */
    public static Optional<DeviceRef> fromKey(String key) {
        if (key == null) {
            return Optional.empty();
        }
        int slash = key.indexOf('/');
        return slash < 0 ? Optional.empty() : tryOf(key.substring(0, slash), key.substring(slash + 1));
    }

    public String key() {
        return orgSlug + "/" + deviceId;
    }

    @Override
    public String toString() {
        return key();
    }
}
