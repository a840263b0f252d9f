package io.plantline.bridge;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceProfile;
import io.plantline.model.DeviceRef;
import io.plantline.model.MessageKind;
import io.plantline.model.TelemetryReading;
import io.plantline.model.Topics;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.ParseResult;
import io.plantline.model.json.RecordJson;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Decides where one device message goes (from MQTT, or from the control API's HTTP ingestion): a valid message from an enabled device to the Kafka topic of its
 * kind, keyed by {@code orgSlug/deviceId}, in the Kafka form (with the receive time); anything else to the
 * dead-letter topic with the reason and the raw payload. A reading outside its device's profile is refused as well,
 * or, when the profile only flags, sent marked with {@link DeviceProfile#OUTSIDE_HEADER}. It never throws and never
 * drops.
 */
public final class Routing {

    static final String SOURCE = "bridge";

    /**
     * Where a message went, and why, for the metrics. Exactly one of {@code kind} and {@code rejection} is set;
     * {@code lastResort} marks a dead letter without the raw bytes, the smallest record a message can become.
     */
    public record Route(ProducerRecord<String, byte[]> record, Optional<MessageKind> kind, Optional<RejectReason> rejection,
                        boolean lastResort) {

        Route(ProducerRecord<String, byte[]> record, Optional<MessageKind> kind, Optional<RejectReason> rejection) {
            this(record, kind, rejection, false);
        }
    }

    private final DeviceMessageCodec codec;
    private final Function<DeviceRef, DeviceRegistry.Status> registry;
    private final Function<DeviceRef, Optional<DeviceProfile>> profiles;
    private final String source;
    /**
     * A device sends on a handful of topics, and splitting and matching each topic against the identity patterns
     * was a tenth of the bridge's routing time. Bounded, so a flood of made-up topics cannot grow it.
     */
    private final Cache<String, Optional<Topics.DeviceTopic>> topics = Caffeine.newBuilder().maximumSize(100_000).build();

    /** {@code source} names the sender in dead letters ({@value #SOURCE}, or the API). */
    public Routing(DeviceMessageCodec codec, Function<DeviceRef, DeviceRegistry.Status> registry,
                   Function<DeviceRef, Optional<DeviceProfile>> profiles, String source) {
        this.codec = codec;
        this.registry = registry;
        this.profiles = profiles;
        this.source = source;
    }

    public Route route(String mqttTopic, byte[] payload, Instant receivedAt) {
        return route(mqttTopic, payload, receivedAt, mqttTopic);
    }

    /** As {@link #route(String, byte[], Instant)}, with {@code origin} in a dead letter (a message of a batch, say). */
    public Route route(String mqttTopic, byte[] payload, Instant receivedAt, String origin) {
        Optional<Topics.DeviceTopic> topic = topics.get(mqttTopic, Topics::parseMqttTopic);
        if (topic.isEmpty()) {
            return reject(new Rejection(RejectReason.INVALID_TOPIC, "not a device topic of the contract"),
                    origin, null, payload, receivedAt);
        }
        DeviceRef device = topic.get().device();
        DeviceRegistry.Status status = registry.apply(device);
        if (status != DeviceRegistry.Status.ENABLED) {
            Rejection rejection = status == DeviceRegistry.Status.DISABLED
                    ? new Rejection(RejectReason.DEVICE_DISABLED, "device " + device + " is disabled")
                    : new Rejection(RejectReason.UNKNOWN_DEVICE, "device " + device + " is not registered");
            return reject(rejection, origin, device.key(), payload, receivedAt);
        }
        ParseResult result = codec.parsePayload(device, topic.get().kind(), payload, receivedAt);
        if (result instanceof ParseResult.Rejected rejected) {
            return reject(rejected.rejection(), origin, device.key(), payload, receivedAt);
        }
        var message = ((ParseResult.Accepted) result).message();
        List<Header> marks = List.of();
        if (message instanceof TelemetryReading reading) {
            Optional<DeviceProfile> profile = profiles.apply(device);
            List<String> outside = profile.map(held -> held.outside(reading.metrics())).orElse(List.of());
            if (!outside.isEmpty()) {
                String detail = "outside profile " + profile.get().profileId() + ": " + String.join("; ", outside);
                if (!profile.get().flagOnly()) {
                    return reject(new Rejection(RejectReason.OUTSIDE_PROFILE, detail), origin, device.key(), payload,
                            receivedAt);
                }
                marks = List.of(new RecordHeader(DeviceProfile.OUTSIDE_HEADER, detail.getBytes(StandardCharsets.UTF_8)));
            }
        }
        return new Route(new ProducerRecord<>(message.kind().kafkaTopic(), null, device.key(), codec.encode(message), marks),
                Optional.of(message.kind()), Optional.empty());
    }

    /**
     * A dead letter for a message that cannot go where {@link #route} sent it (Kafka refuses the record, say); without
     * {@code withRaw} it carries only the raw bytes' size, so it fits any topic.
     */
    public Route refused(String mqttTopic, byte[] payload, Instant receivedAt, Rejection rejection, boolean withRaw) {
        String key = topics.get(mqttTopic, Topics::parseMqttTopic).map(topic -> topic.device().key()).orElse(null);
        if (withRaw) {
            return reject(rejection, mqttTopic, key, payload, receivedAt);
        }
        DeadLetter letter = new DeadLetter(receivedAt, source, rejection.reason().code(), rejection.detail(), mqttTopic, key,
                new byte[0], payload.length);
        return new Route(new ProducerRecord<>(Topics.DEAD_LETTER, key, RecordJson.write(letter)),
                Optional.empty(), Optional.of(rejection.reason()), true);
    }

    private Route reject(Rejection rejection, String origin, String key, byte[] payload, Instant receivedAt) {
        DeadLetter letter = DeadLetter.of(receivedAt, source, rejection, origin, key, payload);
        return new Route(new ProducerRecord<>(Topics.DEAD_LETTER, key, RecordJson.write(letter)),
                Optional.empty(), Optional.of(rejection.reason()));
    }
}
