package io.plantline.api.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.api.ApiKafka;
import io.plantline.api.devices.DeviceKeyAuth;
import io.plantline.api.devices.DeviceStore;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Json;
import io.plantline.api.http.Reply;
import io.plantline.bridge.DeviceRegistry;
import io.plantline.bridge.Routing;
import io.plantline.api.profiles.ProfileStore;
import io.plantline.model.DeviceProfile;
import io.plantline.model.DeviceRef;
import io.plantline.model.MessageKind;
import io.plantline.model.Topics;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.RejectReason;
import org.apache.kafka.clients.producer.ProducerRecord;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /ingest/{deviceId}/{kind}}: HTTP ingestion for devices without MQTT, authenticated by the device's
 * write key ({@link DeviceKeyAuth}). The payload is the MQTT payload of the contract and goes through the bridge's own
 * routing, so it is validated and routed exactly as over MQTT: 202 when it is in Kafka; otherwise it is on the
 * dead-letter topic with its reason and the answer says why (400, or 403 for a disabled device).
 *
 * <p>{@code POST /ingest/{deviceId}/{kind}/batch} takes a JSON array of such payloads (a gateway flushing its buffer,
 * say), at most {@link #MAX_BATCH} of them: each is judged on its own, the accepted ones go to Kafka, each refused one
 * to the dead-letter topic with its index in the batch, and the answer counts them and lists the refusals.
 */
public final class IngestRoutes {

    public static final int MAX_BATCH = 1000;
    static final String SOURCE = "api";
    /** A batch's body: the largest payloads are rare, so not MAX_BATCH of them. */
    private static final long MAX_BATCH_BYTES = 4L << 20;

    private final DeviceKeyAuth devices;
    private final ProfileStore profiles;
    private final ApiKafka kafka;
    private final DeviceMessageCodec codec;
    private final int maxPayloadBytes;
    private final Clock clock;

    public IngestRoutes(DeviceKeyAuth devices, ProfileStore profiles, ApiKafka kafka, DeviceMessageCodec codec,
                        int maxPayloadBytes, Clock clock) {
        this.devices = devices;
        this.profiles = profiles;
        this.kafka = kafka;
        this.codec = codec;
        this.maxPayloadBytes = maxPayloadBytes;
        this.clock = clock;
    }

    public void register(ApiRoutes routes) {
        routes.ingestion("/ingest/:deviceId/:kind", maxPayloadBytes, call -> ingest(call, call.path("deviceId"),
                call.path("kind"), call.rawBody()));
        routes.ingestion("/ingest/:deviceId/:kind/batch", MAX_BATCH_BYTES, this::ingestBatch);
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
        DeviceStore.KeyedDevice device = devices.toWrite(call, deviceId);
        Routing.Route route = routing(device).route(topic(device, kind), payload, clock.instant());
        kafka.sendAll(List.of(route.record()));
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

    private Object ingestBatch(Call call) {
        DeviceStore.KeyedDevice device = devices.toWrite(call, call.path("deviceId"));
        JsonNode items = Json.array(call.rawBody());
        if (items.size() > MAX_BATCH) {
            throw ApiException.validation(List.of("at most " + MAX_BATCH + " messages in a batch; this one has " + items.size()));
        }
        String topic = topic(device, call.path("kind"));
        if (Topics.parseMqttTopic(topic).isEmpty()) {
            throw ApiException.of(404, "unknown_kind", "no message kind " + call.path("kind"));
        }
        Routing routing = routing(device);
        Instant receivedAt = clock.instant();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        List<Refusal> refused = new ArrayList<>();
        for (int index = 0; index < items.size(); index++) {
            byte[] payload = Json.write(items.get(index)).getBytes(StandardCharsets.UTF_8);
            Routing.Route route = routing.route(topic, payload, receivedAt,
                    topic + " (batch " + call.requestId() + ", message " + index + ")");
            records.add(route.record());
            int at = index;
            route.rejection().ifPresent(reason -> refused.add(new Refusal(at, reason.code())));
        }
        kafka.sendAll(records);
        return new BatchAnswer(records.size() - refused.size(), refused);
    }

    /** The answer to a batch: how many messages went to Kafka, and which did not, with why. */
    public record BatchAnswer(int accepted, List<Refusal> refused) {
    }

    /** A message of a batch that went to the dead-letter topic: its place in the batch and the reason. */
    public record Refusal(int index, String reason) {
    }

    private Routing routing(DeviceStore.KeyedDevice device) {
        DeviceRegistry.Status status = device.enabled() ? DeviceRegistry.Status.ENABLED : DeviceRegistry.Status.DISABLED;
        Optional<DeviceProfile> profile = profiles.heldTo(device.device());
        return new Routing(codec, ref -> ref.equals(device.device()) ? status : DeviceRegistry.Status.UNKNOWN,
                ref -> ref.equals(device.device()) ? profile : Optional.empty(), SOURCE);
    }

    private static String topic(DeviceStore.KeyedDevice device, String kind) {
        return Topics.MQTT_ROOT + "/" + device.device().orgSlug() + "/" + device.device().deviceId() + "/" + kind;
    }
}
