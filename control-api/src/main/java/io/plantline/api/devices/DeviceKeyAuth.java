package io.plantline.api.devices;

import io.plantline.api.http.ApiException;
import io.plantline.api.http.Call;
import java.util.Optional;

/**
 * A device speaking HTTP proves itself with a key in {@value #HEADER}: its write key to write, its read key or its
 * write key to read. 401 without a key that matches the device; 403 for a read key where writing is asked.
 */
public final class DeviceKeyAuth {

    public static final String HEADER = "X-Device-Key";

    private final DeviceStore devices;

    public DeviceKeyAuth(DeviceStore devices) {
        this.devices = devices;
    }

    /** The device the call's write key belongs to, enabled or not (the caller decides what a disabled one may do). */
    public DeviceStore.KeyedDevice toWrite(Call call, String deviceId) {
        String key = presented(call);
        if (valid(key, DeviceKeys.Scope.READ, deviceId).isPresent()) {
            throw ApiException.of(403, "read_only_key", "a read key cannot write; use the device's write key");
        }
        return valid(key, DeviceKeys.Scope.WRITE, deviceId)
                .orElseThrow(() -> ApiException.unauthorized("the write key is not valid for this device"));
    }

    /** The device the call's read or write key belongs to, enabled or not. */
    public DeviceStore.KeyedDevice toRead(Call call, String deviceId) {
        String key = presented(call);
        return DeviceKeys.scopeOf(key).flatMap(scope -> valid(key, scope, deviceId))
                .orElseThrow(() -> ApiException.unauthorized("the key is not valid for this device"));
    }

    private static String presented(Call call) {
        return call.header(HEADER).orElseThrow(() -> ApiException.unauthorized(
                "the device's key is required in " + HEADER));
    }

    private Optional<DeviceStore.KeyedDevice> valid(String key, DeviceKeys.Scope scope, String deviceId) {
        return DeviceKeys.prefix(scope, key)
                .flatMap(prefix -> devices.byKeyPrefix(deviceId, scope, prefix))
                .filter(found -> DeviceKeys.matches(key, found.keyHash()));
    }
}
