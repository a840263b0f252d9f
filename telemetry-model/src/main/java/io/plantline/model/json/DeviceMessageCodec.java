package io.plantline.model.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.model.DeviceMessage;
import io.plantline.model.DeviceRef;
import io.plantline.model.Heartbeat;
import io.plantline.model.Limits;
import io.plantline.model.MachineState;
import io.plantline.model.MachineStateChange;
import io.plantline.model.MessageId;
import io.plantline.model.MessageKind;
import io.plantline.model.OtaProgress;
import io.plantline.model.OtaStatus;
import io.plantline.model.PartCount;
import io.plantline.model.TelemetryReading;
import io.plantline.model.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The one JSON codec for device messages, in both forms they take: the device's MQTT payload
 * (device and kind in the topic) and the Kafka record (device, kind and receive time in the body).
 * Both are validated by the same code, so a record the bridge accepted is one the jobs accept.
 * Parsing never throws: every input becomes {@link ParseResult.Accepted} or {@link ParseResult.Rejected}.
 */
public final class DeviceMessageCodec {

    static final String ORG = "org";
    static final String DEVICE = "device";
    static final String KIND = "kind";
    static final String TS = "ts";
    static final String RECEIVED_AT = "receivedAt";
    static final String MSG_ID = "msgId";
    static final String DIGEST = "digest";
    static final String METRICS = "metrics";
    private static final String REASON = "reason";
    private static final long LATEST_EPOCH_MILLIS = Instant.parse("9999-12-31T23:59:59Z").toEpochMilli();

    private final ObjectMapper mapper;
    private final int maxPayloadBytes;
    private final Duration maxClockLead;

    public DeviceMessageCodec(int maxPayloadBytes, Duration maxClockLead) {
        if (maxPayloadBytes <= 0) {
            throw new IllegalArgumentException("maxPayloadBytes must be positive");
        }
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxClockLead = maxClockLead;
        // NaN and Infinity literals are read so they can be refused as non_finite_value rather than as
        // malformed JSON; duplicate keys would make the meaning of a payload ambiguous, so they are refused.
        JsonFactory factory = JsonFactory.builder()
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(16)
                        .maxNumberLength(64)
                        .maxStringLength(maxPayloadBytes)
                        .build())
                .build();
        this.mapper = JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    public static DeviceMessageCodec withDefaults() {
        return new DeviceMessageCodec(Limits.DEFAULT_MAX_PAYLOAD_BYTES, Limits.DEFAULT_MAX_CLOCK_LEAD);
    }

    /** A payload as published on an MQTT device topic. */
    public ParseResult parseMqtt(String mqttTopic, byte[] payload, Instant receivedAt) {
        Optional<Topics.DeviceTopic> topic = Topics.parseMqttTopic(mqttTopic);
        if (topic.isEmpty()) {
            return rejected(RejectReason.INVALID_TOPIC, "not a device topic of the contract: " + abbreviate(mqttTopic));
        }
        return parsePayload(topic.get().device(), topic.get().kind(), payload, receivedAt);
    }

    /**
     * A payload whose device and kind are already known (MQTT topic, ingestion URL). Its identity is the device's
     * {@code msgId}, else the digest of these very bytes.
     */
    public ParseResult parsePayload(DeviceRef device, MessageKind kind, byte[] payload, Instant receivedAt) {
        return parse(() -> {
            ObjectNode json = readObject(payload);
            MessageId id = optionalText(json, MSG_ID, MessageId.MAX_MSG_ID_CHARS).map(msgId -> {
                if (msgId.isEmpty()) {
                    throw new Refusal(RejectReason.INVALID_VALUE, "msgId is empty");
                }
                return MessageId.given(msgId);
            }).orElseGet(() -> MessageId.ofPayload(payload));
            return toMessage(device, kind, json, receivedAt, id);
        });
    }

    /** A record value from one of the device-message Kafka topics, written by {@link #encode}. */
    public ParseResult decode(byte[] kafkaValue) {
        return parse(() -> {
            ObjectNode json = readObject(kafkaValue);
            DeviceRef device = deviceRef(text(json, ORG), text(json, DEVICE));
            MessageKind kind = kind(text(json, KIND));
            DeviceMessage message = toMessage(device, kind, json, timestamp(json, RECEIVED_AT), storedId(json));
            // Records of earlier versions carry no identity: their content stands in for the device's bytes.
            return message.id().isKnown() ? message : toMessage(device, kind, json, message.receivedAt(),
                    contentId(message));
        });
    }

    static DeviceRef deviceRef(String org, String device) {
        return DeviceRef.tryOf(org, device)
                .orElseThrow(() -> new Refusal(RejectReason.INVALID_VALUE, "org/device break the identity contract"));
    }

    static MessageKind kind(String wireName) {
        return MessageKind.fromWireName(wireName)
                .orElseThrow(() -> new Refusal(RejectReason.INVALID_VALUE, "unknown kind"));
    }

    private static MessageId storedId(ObjectNode json) {
        return storedId(optionalText(json, MSG_ID, MessageId.MAX_MSG_ID_CHARS).orElse(null),
                optionalText(json, DIGEST, MessageId.DIGEST_CHARS).orElse(null));
    }

    /** A Kafka record's identity: its {@code msgId}, else its {@code digest}, else none (an earlier version's). */
    static MessageId storedId(String msgId, String digest) {
        try {
            return msgId != null ? MessageId.given(msgId) : new MessageId(null, digest);
        } catch (IllegalArgumentException e) {
            throw new Refusal(RejectReason.INVALID_VALUE, e.getMessage());
        }
    }

    /** The identity of a message the platform built, or one of an earlier version's records: its content. */
    MessageId contentId(DeviceMessage message) {
        return MessageId.ofPayload(content(message));
    }

    /** Runs one parse, turning every refusal into a result: the single place where parsing stops throwing. */
    private static ParseResult parse(java.util.function.Supplier<DeviceMessage> parse) {
        try {
            return new ParseResult.Accepted(parse.get());
        } catch (Refusal refusal) {
            return new ParseResult.Rejected(refusal.rejection());
        } catch (IllegalArgumentException e) {
            // The records' own checks are the last line; reaching one means the codec missed a case.
            return rejected(RejectReason.INVALID_VALUE, abbreviate(e.getMessage()));
        }
    }

    /**
     * The Kafka form of a message: its payload fields plus device, kind, receive time and identity (the device's
     * {@code msgId}, else the {@code digest} of its payload, or of the content for a message the platform built).
     * Written field by field rather than through a tree, since the bridge encodes every message it forwards.
     */
    public byte[] encode(DeviceMessage message) {
        MessageId id = message.id().isKnown() ? message.id() : contentId(message);
        return write(message, true, id);
    }

    /** The message's fields without receive time or identity: what a message built by the platform is. */
    private byte[] content(DeviceMessage message) {
        return write(message, false, MessageId.NONE);
    }

    private byte[] write(DeviceMessage message, boolean withReceivedAt, MessageId id) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(192);
        try (JsonGenerator json = mapper.getFactory().createGenerator(bytes)) {
            json.writeStartObject();
            json.writeStringField(ORG, message.device().orgSlug());
            json.writeStringField(DEVICE, message.device().deviceId());
            json.writeStringField(KIND, message.kind().wireName());
            json.writeStringField(TS, message.ts().toString());
            if (withReceivedAt) {
                json.writeStringField(RECEIVED_AT, message.receivedAt().toString());
            }
            if (id.msgId() != null) {
                json.writeStringField(MSG_ID, id.msgId());
            } else if (id.payloadDigest() != null) {
                json.writeStringField(DIGEST, id.payloadDigest());
            }
            if (message instanceof TelemetryReading reading) {
                json.writeObjectFieldStart(METRICS);
                for (Map.Entry<String, Double> metric : reading.metrics().entrySet()) {
                    json.writeNumberField(metric.getKey(), metric.getValue());
                }
                json.writeEndObject();
            } else if (message instanceof MachineStateChange change) {
                json.writeStringField("state", change.state().name());
                if (change.reason().isPresent()) {
                    json.writeStringField(REASON, change.reason().get());
                }
            } else if (message instanceof PartCount count) {
                json.writeNumberField("total", count.total());
                json.writeNumberField("good", count.good());
            } else if (message instanceof Heartbeat heartbeat) {
                if (heartbeat.firmware().isPresent()) {
                    json.writeStringField("firmware", heartbeat.firmware().get());
                }
            } else if (message instanceof OtaProgress ota) {
                json.writeStringField("deploymentId", ota.deploymentId());
                json.writeStringField("status", ota.status().name());
                if (ota.progress().isPresent()) {
                    json.writeNumberField("progress", ota.progress().getAsInt());
                }
                if (ota.message().isPresent()) {
                    json.writeStringField("message", ota.message().get());
                }
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise a validated message", e);
        }
        return bytes.toByteArray();
    }

    private ObjectNode readObject(byte[] bytes) {
        checkSize(bytes);
        JsonNode node;
        try {
            node = mapper.readTree(bytes);
        } catch (IOException | RuntimeException e) {
            throw malformed(e);
        }
        if (node == null || !node.isObject()) {
            throw notAnObject();
        }
        return (ObjectNode) node;
    }

    void checkSize(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new Refusal(RejectReason.MALFORMED_JSON, "empty payload");
        }
        if (bytes.length > maxPayloadBytes) {
            throw new Refusal(RejectReason.PAYLOAD_TOO_LARGE,
                    bytes.length + " bytes, the limit is " + maxPayloadBytes);
        }
    }

    /** The parser, with the limits and features every payload is read with. */
    JsonFactory jsonFactory() {
        return mapper.getFactory();
    }

    /** Jackson reports bad UTF-8, bad syntax, duplicate keys, trailing tokens and exceeded constraints alike. */
    static Refusal malformed(Exception e) {
        return new Refusal(RejectReason.MALFORMED_JSON, abbreviate(firstLine(e.getMessage())));
    }

    static Refusal notAnObject() {
        return new Refusal(RejectReason.MALFORMED_JSON, "the payload is not a JSON object");
    }

    private DeviceMessage toMessage(DeviceRef device, MessageKind kind, ObjectNode json, Instant receivedAt,
                                    MessageId id) {
        Instant ts = timestamp(json, TS);
        checkRange(ts, receivedAt);
        return switch (kind) {
            case TELEMETRY -> new TelemetryReading(device, ts, receivedAt, metrics(json), id);
            case STATE -> new MachineStateChange(device, ts, receivedAt, machineState(json), stopReason(json), id);
            case COUNT -> partCount(device, ts, receivedAt, json, id);
            case HEARTBEAT -> new Heartbeat(device, ts, receivedAt,
                    optionalText(json, "firmware", Limits.MAX_MESSAGE_CHARS).map(version -> {
                        if (!Limits.FIRMWARE_VERSION.matcher(version).matches()) {
                            throw new Refusal(RejectReason.INVALID_VALUE, "firmware is not a version string");
                        }
                        return version;
                    }), id);
            case OTA -> otaProgress(device, ts, receivedAt, json, id);
        };
    }

    void checkRange(Instant ts, Instant receivedAt) {
        if (ts.isBefore(Limits.EARLIEST_TIMESTAMP)) {
            throw new Refusal(RejectReason.TIMESTAMP_OUT_OF_RANGE, "ts " + ts + " is before " + Limits.EARLIEST_TIMESTAMP);
        }
        if (ts.isAfter(receivedAt.plus(maxClockLead))) {
            throw new Refusal(RejectReason.TIMESTAMP_OUT_OF_RANGE,
                    "ts " + ts + " is more than " + maxClockLead.toSeconds() + " s after the receive time " + receivedAt);
        }
    }

    private static Map<String, Double> metrics(ObjectNode json) {
        JsonNode node = required(json, METRICS);
        checkMetrics(node.getNodeType(), node.size());
        Map<String, Double> metrics = new HashMap<>();
        for (Map.Entry<String, JsonNode> metric : node.properties()) {
            JsonNode value = metric.getValue();
            metrics.put(metric.getKey(), metricValue(metric.getKey(), value.getNodeType(), value.doubleValue()));
        }
        return metrics;
    }

    /** {@code metrics} is an object of 1 to {@link Limits#MAX_METRICS_PER_READING} members. */
    static void checkMetrics(JsonNodeType type, int size) {
        if (type != JsonNodeType.OBJECT) {
            throw new Refusal(RejectReason.UNKNOWN_FIELD_TYPE, "metrics must be an object, not " + type);
        }
        if (size == 0) {
            throw new Refusal(RejectReason.NO_METRICS, "metrics is empty");
        }
        if (size > Limits.MAX_METRICS_PER_READING) {
            throw new Refusal(RejectReason.TOO_MANY_METRICS,
                    size + " metrics, the limit is " + Limits.MAX_METRICS_PER_READING);
        }
    }

    /** One metric's checks, in this order: its name, that it is a number, that the number is finite. */
    static double metricValue(String name, JsonNodeType type, double number) {
        if (!Limits.isMetricName(name)) {
            throw new Refusal(RejectReason.INVALID_METRIC_NAME, "metric name " + abbreviate(name));
        }
        if (type != JsonNodeType.NUMBER) {
            throw new Refusal(RejectReason.UNKNOWN_FIELD_TYPE, "metric " + name + " must be a number, not " + type);
        }
        if (!Double.isFinite(number)) {
            throw new Refusal(RejectReason.NON_FINITE_VALUE, "metric " + name + " is " + number);
        }
        return number;
    }

    private static MachineState machineState(ObjectNode json) {
        String state = text(json, "state");
        try {
            return MachineState.valueOf(state);
        } catch (IllegalArgumentException e) {
            throw new Refusal(RejectReason.UNKNOWN_STATE, "state " + abbreviate(state));
        }
    }

    private static Optional<String> stopReason(ObjectNode json) {
        // The pattern bounds the length, so the text itself may be as long as the payload allows.
        Optional<String> reason = optionalText(json, REASON, Integer.MAX_VALUE);
        if (reason.isPresent() && !Limits.REASON_CODE.matcher(reason.get()).matches()) {
            throw new Refusal(RejectReason.INVALID_REASON, "reason " + abbreviate(reason.get()));
        }
        return reason;
    }

    private static PartCount partCount(DeviceRef device, Instant ts, Instant receivedAt, ObjectNode json, MessageId id) {
        long total = wholeNumber(json, "total");
        long good = wholeNumber(json, "good");
        if (total < 0 || good < 0) {
            throw new Refusal(RejectReason.INVALID_COUNT, "counts cannot be negative: total=" + total + ", good=" + good);
        }
        if (good > total) {
            throw new Refusal(RejectReason.INVALID_COUNT, "good " + good + " exceeds total " + total);
        }
        if (total > Limits.MAX_PARTS_PER_COUNT) {
            throw new Refusal(RejectReason.INVALID_COUNT,
                    "total " + total + " exceeds " + Limits.MAX_PARTS_PER_COUNT + " parts in one message");
        }
        return new PartCount(device, ts, receivedAt, total, good, id);
    }

    private static OtaProgress otaProgress(DeviceRef device, Instant ts, Instant receivedAt, ObjectNode json,
                                           MessageId id) {
        String deploymentId = text(json, "deploymentId");
        if (!Limits.IDENTIFIER.matcher(deploymentId).matches()) {
            throw new Refusal(RejectReason.INVALID_VALUE, "deploymentId " + abbreviate(deploymentId));
        }
        String statusName = text(json, "status");
        OtaStatus status;
        try {
            status = OtaStatus.valueOf(statusName);
        } catch (IllegalArgumentException e) {
            throw new Refusal(RejectReason.UNKNOWN_OTA_STATUS, "status " + abbreviate(statusName));
        }
        OptionalInt progress = OptionalInt.empty();
        JsonNode progressNode = json.get("progress");
        if (progressNode != null && !progressNode.isNull()) {
            long percent = wholeNumber(json, "progress");
            if (percent < 0 || percent > 100) {
                throw new Refusal(RejectReason.INVALID_VALUE, "progress " + percent + " is not a percentage");
            }
            progress = OptionalInt.of((int) percent);
        }
        Optional<String> message = optionalText(json, "message", Limits.MAX_MESSAGE_CHARS);
        return new OtaProgress(device, ts, receivedAt, deploymentId, status, progress, message, id);
    }

    /** Epoch milliseconds or an ISO-8601 date-time with a zone or offset. */
    private static Instant timestamp(ObjectNode json, String field) {
        JsonNode node = required(json, field);
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return epochMillis(field, node.longValue());
        }
        if (node.isTextual()) {
            return isoTime(field, node.textValue());
        }
        throw notATime(field, node.getNodeType());
    }

    static Instant epochMillis(String field, long millis) {
        if (millis < 0 || millis > LATEST_EPOCH_MILLIS) {
            throw new Refusal(RejectReason.TIMESTAMP_OUT_OF_RANGE, field + " " + millis + " ms is not a plausible time");
        }
        return Instant.ofEpochMilli(millis);
    }

    static Instant isoTime(String field, String text) {
        try {
            return Rfc3339.parse(text);
        } catch (DateTimeException e) {
            throw new Refusal(RejectReason.INVALID_TIMESTAMP,
                    field + " " + abbreviate(text) + " is not an ISO-8601 time with a zone");
        }
    }

    static Refusal notATime(String field, JsonNodeType type) {
        return new Refusal(RejectReason.UNKNOWN_FIELD_TYPE,
                field + " must be epoch milliseconds or an ISO-8601 string, not " + type);
    }

    private static long wholeNumber(ObjectNode json, String field) {
        JsonNode node = required(json, field);
        if (!node.isIntegralNumber()) {
            throw new Refusal(RejectReason.UNKNOWN_FIELD_TYPE, field + " must be a whole number, not " + node.getNodeType());
        }
        if (!node.canConvertToLong()) {
            throw new Refusal(RejectReason.INVALID_COUNT, field + " is out of range");
        }
        return node.longValue();
    }

    private static String text(ObjectNode json, String field) {
        JsonNode node = required(json, field);
        if (!node.isTextual()) {
            throw notText(field, node.getNodeType());
        }
        return node.textValue();
    }

    private static Optional<String> optionalText(ObjectNode json, String field, int maxChars) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw notText(field, node.getNodeType());
        }
        return Optional.of(checkLength(field, node.textValue(), maxChars));
    }

    static Refusal notText(String field, JsonNodeType type) {
        return new Refusal(RejectReason.UNKNOWN_FIELD_TYPE, field + " must be a string, not " + type);
    }

    static String checkLength(String field, String text, int maxChars) {
        if (text.length() > maxChars) {
            throw new Refusal(RejectReason.INVALID_VALUE, field + " is longer than " + maxChars + " characters");
        }
        return text;
    }

    private static JsonNode required(ObjectNode json, String field) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            throw missing(field);
        }
        return node;
    }

    static Refusal missing(String field) {
        return new Refusal(RejectReason.MISSING_FIELD, field + " is missing");
    }

    private static ParseResult rejected(RejectReason reason, String detail) {
        return new ParseResult.Rejected(new Rejection(reason, detail));
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "unreadable JSON";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    /** Details quote device input; a hostile device must not make them long. */
    static String abbreviate(String text) {
        if (text == null) {
            return "null";
        }
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }

    /**
     * Thrown inside the codec and {@link TelemetryRecordDecoder} only, so each check reads as one line; never escapes
     * a public method.
     */
    static final class Refusal extends RuntimeException {
        private final Rejection rejection;

        Refusal(RejectReason reason, String detail) {
            super(detail, null, false, false);
            this.rejection = new Rejection(reason, detail);
        }

        Rejection rejection() {
            return rejection;
        }
    }
}
