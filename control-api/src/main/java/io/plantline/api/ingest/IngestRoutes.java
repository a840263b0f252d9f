package io.plantline.api.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.api.ApiKafka;
import io.plantline.api.devices.DeviceStore;
import io.plantline.api.devices.WriteKeys;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Json;
import io.plantline.api.http.Reply;
import io.plantline.bridge.DeviceRegistry;
import io.plantline.bridge.Routing;
import io.plantline.model.DeviceRef;
import io.plantline.model.MessageKind;
import io.plantline.model.Topics;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.RejectReason;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /ingest/{deviceId}/{kind}}: HTTP ingestion for devices without MQTT, authenticated by the device's
 * write key ({@code X-Device-Key}). The payload is the MQTT payload of the contract and goes through the bridge's own
 * routing, so it is validated and routed exactly as over MQTT: 202 when it is in Kafka; otherwise it is on the
 * dead-letter topic with its reason and the answer says why (400, or 403 for a disabled device).
 */
public final class IngestRoutes {

    public static final String KEY_HEADER = "X-Device-Key";
    static final String SOURCE = "api";

    private final DeviceStore devices;
    private final ApiKafka kafka;
    private final DeviceMessageCodec codec;
    private final int maxPayloadBytes;
    private final Clock clock;

    public IngestRoutes(DeviceStore devices, ApiKafka kafka, DeviceMessageCodec codec, int maxPayloadBytes, Clock clock) {
        this.devices = devices;
        this.kafka = kafka;
        this.codec = codec;
        this.maxPayloadBytes = maxPayloadBytes;
        this.clock = clock;
    }

    public void register(ApiRoutes routes) {
        routes.ingestion("/ingest/:deviceId/:kind", maxPayloadBytes, call -> ingest(call, call.path("deviceId"),
                call.path("kind"), call.rawBody()));
        routes.ingestion("/ota/reportStatus", maxPayloadBytes, this::reportStatus);
    }

    /**
     * OTA progress over HTTP: {@code {deviceId, deploymentId, status, progress?, message?, ts?}}, the {@code ota}
     * payload of the contract plus the device id ({@code ts} defaults to the receive time).
     */
    private Object reportStatus(Call call) {
        ObjectNode body = call.body();
        JsonNode deviceId = body.remove("deviceId");
        if (deviceId == null || !deviceId.isTextual()) {
            throw ApiException.validation(List.of("deviceId is required"));
        }
        if (!body.has("ts")) {
            body.put("ts", clock.instant().toString());
        }
        return ingest(call, deviceId.textValue(), MessageKind.OTA.wireName(),
                Json.write(body).getBytes(StandardCharsets.UTF_8));
    }

    private Object ingest(Call call, String deviceId, String kind, byte[] payload) {
        String key = call.header(KEY_HEADER).orElseThrow(() -> ApiException.unauthorized("the device's write key is required in " + KEY_HEADER));
        DeviceStore.KeyedDevice device = WriteKeys.prefix(key)
                .flatMap(prefix -> devices.byWriteKeyPrefix(deviceId, prefix))
                .filter(found -> WriteKeys.matches(key, found.writeKeyHash()))
                .orElseThrow(() -> ApiException.unauthorized("the write key is not valid for this device"));
        DeviceRegistry.Status status = device.enabled() ? DeviceRegistry.Status.ENABLED : DeviceRegistry.Status.DISABLED;
        Routing routing = new Routing(codec, ref -> ref.equals(device.device()) ? status : DeviceRegistry.Status.UNKNOWN, SOURCE);
        String topic = Topics.MQTT_ROOT + "/" + device.device().orgSlug() + "/" + deviceId + "/" + kind;
        Routing.Route route = routing.route(topic, payload, clock.instant());
        kafka.send(route.record().topic(), route.record().key(), route.record().value());
        if (route.rejection().isPresent()) {
            RejectReason reason = route.rejection().get();
            int httpStatus = switch (reason) {
                case DEVICE_DISABLED -> 403;
                case INVALID_TOPIC -> 404;
                default -> 400;
            };
            throw ApiException.of(httpStatus, "rejected_" + reason.code(),
                    "the message was refused (" + reason.code() + ") and kept on " + Topics.DEAD_LETTER);
        }
        Map<String, Object> accepted = new LinkedHashMap<>();
        accepted.put("device", new DeviceRef(device.device().orgSlug(), deviceId).key());
        accepted.put("kind", route.kind().orElseThrow().wireName());
        accepted.put("topic", route.record().topic());
        return new Reply.Data(202, accepted);
    }
}
