package io.plantline.api.devices;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.model.DeviceRef;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * {@code /device-api/{deviceId}}: what a device, or an integration acting for it, reads with its read key (or its
 * write key) and reports with its write key: its own description, metadata and configuration with the configuration's
 * version; the newest minute of each of its metrics ({@link LatestMinutes}); and which configuration version it
 * applied. A disabled device is refused (403), as its ingestion is.
 */
public final class DeviceApiRoutes {

    private static final long MAX_REPORT_BYTES = 4096;

    /** The device as it reads itself. */
    public record Described(String deviceId, String name, String hardwareModel, JsonNode metadata, JsonNode config,
                            long configVersion) {
    }

    private final LatestMinutes latestMinutes;
    private final DeviceStore devices;
    private final DeviceKeyAuth keys;
    private final Clock clock;

    public DeviceApiRoutes(LatestMinutes latestMinutes, DeviceStore devices, DeviceKeyAuth keys, Clock clock) {
        this.latestMinutes = latestMinutes;
        this.devices = devices;
        this.keys = keys;
        this.clock = clock;
    }

    public void register(ApiRoutes routes) {
        routes.open("GET", "/device-api/:deviceId", 0, this::describe);
        routes.open("GET", "/device-api/:deviceId/readings/latest", 0, this::latest);
        routes.ingestion("/device-api/:deviceId/config/report", MAX_REPORT_BYTES, this::report);
    }

    private Described describe(Call call) {
        Device device = found(enabled(keys.toRead(call, call.path("deviceId"))));
        return new Described(device.deviceId(), device.name(), device.hardwareModel(), device.metadata(),
                device.config(), device.configState().version());
    }

    private List<LatestMinutes.Latest> latest(Call call) {
        DeviceRef device = enabled(keys.toRead(call, call.path("deviceId")));
        return latestMinutes.of(device.orgSlug(), List.of(device.deviceId()));
    }

    /** {@code {configVersion, applied, error?}}: the device says whether it applied that version, and if not, why. */
    private Device.ConfigState report(Call call) {
        DeviceRef device = enabled(keys.toWrite(call, call.path("deviceId")));
        Fields fields = new Fields(call.body(), "configVersion", "applied", "error");
        Integer version = fields.required("configVersion", fields.integer("configVersion", 1, Integer.MAX_VALUE));
        Boolean applied = fields.required("applied", fields.bool("applied"));
        Optional<String> error = fields.text("error", 1000);
        if (applied != null && applied == error.isPresent()) {
            fields.problem(applied ? "error goes only with applied: false" : "error is required with applied: false");
        }
        fields.check();
        if (!devices.reportConfig(device, version, applied, error.orElse(null), clock.instant())) {
            throw ApiException.conflict("configVersion " + version + " was never sent to this device; the newest is "
                    + found(device).configState().version());
        }
        return found(device).configState();
    }

    private static DeviceRef enabled(DeviceStore.KeyedDevice keyed) {
        if (!keyed.enabled()) {
            throw ApiException.of(403, "device_disabled", "the device is disabled");
        }
        return keyed.device();
    }

    private Device found(DeviceRef device) {
        return devices.find(device.orgSlug(), device.deviceId()).orElseThrow(() -> ApiException.notFound("device"));
    }
}
