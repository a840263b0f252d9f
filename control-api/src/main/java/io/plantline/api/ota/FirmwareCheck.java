package io.plantline.api.ota;

import io.plantline.api.db.Database;
import io.plantline.api.devices.DeviceKeyAuth;
import io.plantline.api.devices.DeviceStore;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import java.util.Collections;
import java.util.Map;
import java.util.UUID;

/**
 * {@code GET /device-api/{deviceId}/firmware}: a device that polls instead of listening for commands asks, with its
 * write key, whether an update is assigned to it (a read key, which integrations hold to read configuration, metadata
 * and readings, gets no download link: 403 {@code read_only_key}). The answer is the update a roll-out sent it and it has not
 * finished (the {@code ota.update} command's fields, with a fresh signed download link), or {@code {"update": null}}.
 * A device reports its progress as one listening for commands does ({@code POST /ota/reportStatus}, or MQTT).
 */
public final class FirmwareCheck {

    public static final String PATH = "/device-api/:deviceId/firmware";

    private record Assigned(String deploymentId, UUID firmwareId) {
    }

    private final Database database;
    private final DeviceKeyAuth devices;
    private final FirmwareStore firmware;
    private final DownloadLinks links;

    public FirmwareCheck(Database database, DeviceKeyAuth devices, FirmwareStore firmware, DownloadLinks links) {
        this.database = database;
        this.devices = devices;
        this.firmware = firmware;
        this.links = links;
    }

    public void register(ApiRoutes routes) {
        routes.open("GET", PATH, 0, this::check);
    }

    private Object check(Call call) {
        DeviceStore.KeyedDevice device = devices.toWrite(call, call.path("deviceId"));
        if (!device.enabled()) {
            throw ApiException.of(403, "device_disabled", "the device is disabled");
        }
        String orgSlug = device.device().orgSlug();
        return database.one("SELECT t.deployment_id, d.firmware_id FROM ota_targets t JOIN ota_deployments d"
                                + " ON d.org_slug = t.org_slug AND d.deployment_id = t.deployment_id"
                                + " WHERE t.org_slug = ? AND t.device_id = ? AND d.status <> 'CANCELLED'"
                                + " AND t.state IN ('SENT', 'DOWNLOADING', 'DOWNLOADED', 'VERIFIED', 'INSTALLING')"
                                + " ORDER BY t.state_since DESC LIMIT 1",
                        row -> new Assigned(row.getString(1), row.getObject(2, UUID.class)),
                        orgSlug, device.device().deviceId())
                .flatMap(assigned -> firmware.find(orgSlug, assigned.firmwareId())
                        .map(image -> Rollouts.update(assigned.deploymentId(), image,
                                links.issue(orgSlug, image.firmwareId()))))
                .<Map<String, Object>>map(update -> Map.of("update", update))
                .orElse(Collections.singletonMap("update", null));
    }
}
