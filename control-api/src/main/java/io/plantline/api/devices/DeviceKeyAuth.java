package io.plantline.api.devices;

import io.plantline.api.http.ApiException;
import io.plantline.api.http.Call;

/** A device speaking HTTP proves itself with its write key in {@value #HEADER}; 401 without a key that matches. */
public final class DeviceKeyAuth {

    public static final String HEADER = "X-Device-Key";

    private final DeviceStore devices;

    public DeviceKeyAuth(DeviceStore devices) {
        this.devices = devices;
    }

    /** The device the call's key belongs to, enabled or not (the caller decides what a disabled one may do). */
    public DeviceStore.KeyedDevice authenticate(Call call, String deviceId) {
        String key = call.header(HEADER).orElseThrow(() -> ApiException.unauthorized(
                "the device's write key is required in " + HEADER));
        return WriteKeys.prefix(key)
                .flatMap(prefix -> devices.byWriteKeyPrefix(deviceId, prefix))
                .filter(found -> WriteKeys.matches(key, found.writeKeyHash()))
                .orElseThrow(() -> ApiException.unauthorized("the write key is not valid for this device"));
    }
}
