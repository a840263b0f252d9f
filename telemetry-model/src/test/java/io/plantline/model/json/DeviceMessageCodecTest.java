package io.plantline.model.json;

import static io.plantline.model.json.Payloads.RECEIVED_AT;
import static io.plantline.model.json.Payloads.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.model.DeviceRef;
import io.plantline.model.Heartbeat;
import io.plantline.model.MachineState;
import io.plantline.model.MachineStateChange;
import io.plantline.model.MessageId;
import io.plantline.model.MessageKind;
import io.plantline.model.OtaProgress;
import io.plantline.model.OtaStatus;
import io.plantline.model.PartCount;
import io.plantline.model.TelemetryReading;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DeviceMessageCodecTest {

    private static final DeviceRef PRESS = new DeviceRef("acme", "press-7");
    private static final Instant TS = Instant.parse(Payloads.TS);

    private final DeviceMessageCodec codec = DeviceMessageCodec.withDefaults();

    @Test
    void telemetryPayloadOnAnMqttTopicBecomesAReading() {
        byte[] payload = bytes(Payloads.telemetry());
        ParseResult result = codec.parseMqtt("plantline/acme/press-7/telemetry", payload, RECEIVED_AT);

        assertThat(result).isEqualTo(new ParseResult.Accepted(new TelemetryReading(PRESS, TS, RECEIVED_AT,
                Map.of("temperature", 71.2, "spindle_rpm", 1180.0), MessageId.ofPayload(payload))));
    }

    @Test
    void aDeliveryOfTheSameBytesIsTheSameMessageAndAnyOtherIsNot() {
        ObjectNode count = Payloads.count();
        var first = accepted(MessageKind.COUNT, count);
        var redelivered = ((ParseResult.Accepted) codec.parsePayload(PRESS, MessageKind.COUNT, bytes(count),
                RECEIVED_AT.plusSeconds(30))).message();

        assertThat(redelivered.id()).isEqualTo(first.id());
        assertThat(redelivered.id().key(MessageKind.COUNT)).isEqualTo(first.id().key(MessageKind.COUNT));
        assertThat(accepted(MessageKind.COUNT, count.put("good", 3)).id()).isNotEqualTo(first.id());
        assertThat(first.id().key(MessageKind.COUNT)).as("kinds apart").isNotEqualTo(first.id().key(MessageKind.STATE));
    }

    @Test
    void aMsgIdIsTheMessagesIdentityWhateverElseTheBytesSay() {
        var first = accepted(MessageKind.STATE, Payloads.state().put("msgId", "m-17"));
        var reformatted = accepted(MessageKind.STATE, Payloads.state().put("msgId", "m-17").put("note", "resent"));

        assertThat(first.id()).isEqualTo(MessageId.given("m-17")).isEqualTo(reformatted.id());
        assertThat(codec.decode(codec.encode(first))).isEqualTo(new ParseResult.Accepted(first));
        assertThat(codec.parsePayload(PRESS, MessageKind.STATE, bytes(Payloads.state().put("msgId", "x".repeat(65))),
                RECEIVED_AT)).isInstanceOfSatisfying(ParseResult.Rejected.class, rejected ->
                assertThat(rejected.rejection().reason()).isEqualTo(RejectReason.INVALID_VALUE));
        assertThat(codec.parsePayload(PRESS, MessageKind.STATE, bytes(Payloads.state().put("msgId", 17)),
                RECEIVED_AT)).isInstanceOf(ParseResult.Rejected.class);
    }

    @Test
    void aKafkaRecordOfAnEarlierVersionIsIdentifiedByItsContentNotItsReceiveTime() {
        String record = "{\"org\":\"acme\",\"device\":\"press-7\",\"kind\":\"count\",\"ts\":\"" + Payloads.TS
                + "\",\"receivedAt\":\"%s\",\"total\":5,\"good\":4}";

        MessageId once = ((ParseResult.Accepted) codec.decode(bytes(record.formatted(RECEIVED_AT)))).message().id();
        MessageId again = ((ParseResult.Accepted) codec.decode(bytes(record.formatted(RECEIVED_AT.plusSeconds(9)))))
                .message().id();

        assertThat(once.isKnown()).isTrue();
        assertThat(again).isEqualTo(once);
    }

    @Test
    void everyKindOfTheContractIsAccepted() {
        assertThat(accepted(MessageKind.STATE, Payloads.state()))
                .usingRecursiveComparison().ignoringFields("id").isEqualTo(new MachineStateChange(PRESS, TS, RECEIVED_AT, MachineState.RUNNING));
        assertThat(accepted(MessageKind.COUNT, Payloads.count()))
                .usingRecursiveComparison().ignoringFields("id").isEqualTo(new PartCount(PRESS, TS, RECEIVED_AT, 5, 4));
        assertThat(accepted(MessageKind.HEARTBEAT, Payloads.heartbeat()))
                .usingRecursiveComparison().ignoringFields("id").isEqualTo(new Heartbeat(PRESS, TS, RECEIVED_AT, Optional.of("1.4.2")));
        assertThat(accepted(MessageKind.OTA, Payloads.ota())).usingRecursiveComparison().ignoringFields("id").isEqualTo(new OtaProgress(PRESS, TS, RECEIVED_AT,
                "dep-42", OtaStatus.DOWNLOADING, OptionalInt.of(40), Optional.of("fetching image")));
    }

    @Test
    void optionalFieldsMayBeAbsent() {
        assertThat(accepted(MessageKind.HEARTBEAT, Payloads.heartbeat().without("firmware")))
                .usingRecursiveComparison().ignoringFields("id").isEqualTo(new Heartbeat(PRESS, TS, RECEIVED_AT, Optional.empty()));
        assertThat(accepted(MessageKind.OTA, Payloads.ota().without(java.util.List.of("progress", "message"))))
                .usingRecursiveComparison().ignoringFields("id").isEqualTo(new OtaProgress(PRESS, TS, RECEIVED_AT, "dep-42", OtaStatus.DOWNLOADING,
                        OptionalInt.empty(), Optional.empty()));
    }

    @Test
    void aStopCarriesItsReasonThroughToKafka() {
        var down = (MachineStateChange) accepted(MessageKind.STATE, Payloads.state().put("state", "DOWN").put("reason", "jam"));

        assertThat(down.reason()).contains("jam");
        assertThat(codec.decode(codec.encode(down))).isEqualTo(new ParseResult.Accepted(down));
    }

    @Test
    void aReasonIsIgnoredWhileTheMachineRuns() {
        var running = (MachineStateChange) accepted(MessageKind.STATE, Payloads.state().put("reason", "jam"));

        assertThat(running.reason()).isEmpty();
    }

    @Test
    void timestampMayBeEpochMillisOrCarryAnOffset() {
        assertThat(accepted(MessageKind.STATE, Payloads.state().put("ts", TS.toEpochMilli())).ts()).isEqualTo(TS);
        assertThat(accepted(MessageKind.STATE, Payloads.state().put("ts", "2026-11-23T11:00:00.250+01:00")).ts())
                .isEqualTo(TS);
    }

    @Test
    void unknownFieldsAreIgnoredForForwardCompatibility() {
        assertThat(accepted(MessageKind.COUNT, Payloads.count().put("shift", "B"))).isInstanceOf(PartCount.class);
    }

    @Test
    void kafkaFormRoundTripsEveryKind() {
        Stream.of(Payloads.telemetry(), Payloads.state(), Payloads.count(), Payloads.heartbeat(), Payloads.ota())
                .forEach(payload -> {
                    MessageKind kind = kindOf(payload);
                    var message = accepted(kind, payload);
                    assertThat(codec.decode(codec.encode(message))).isEqualTo(new ParseResult.Accepted(message));
                });
    }

    static Stream<Arguments> rejections() {
        return Stream.of(
                reject("empty payload", RejectReason.MALFORMED_JSON, MessageKind.STATE, () -> bytes("")),
                reject("not JSON", RejectReason.MALFORMED_JSON, MessageKind.STATE, () -> bytes("RUNNING")),
                reject("a JSON array", RejectReason.MALFORMED_JSON, MessageKind.STATE, () -> bytes("[1,2]")),
                reject("trailing garbage", RejectReason.MALFORMED_JSON, MessageKind.STATE,
                        () -> bytes(Payloads.state() + "}")),
                reject("duplicate key", RejectReason.MALFORMED_JSON, MessageKind.STATE,
                        () -> bytes("{\"ts\":1,\"state\":\"IDLE\",\"state\":\"RUNNING\"}")),
                reject("invalid UTF-8", RejectReason.MALFORMED_JSON, MessageKind.STATE,
                        () -> new byte[] {'{', '"', 't', 's', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}),
                reject("payload over the limit", RejectReason.PAYLOAD_TOO_LARGE, MessageKind.TELEMETRY,
                        () -> new byte[Payloads.bytes(Payloads.telemetry()).length + 300 * 1024]),
                reject("no ts", RejectReason.MISSING_FIELD, MessageKind.STATE, () -> bytes(Payloads.state().without("ts"))),
                reject("ts is null", RejectReason.MISSING_FIELD, MessageKind.STATE,
                        () -> bytes(Payloads.state().putNull("ts"))),
                reject("ts is a boolean", RejectReason.UNKNOWN_FIELD_TYPE, MessageKind.STATE,
                        () -> bytes(Payloads.state().put("ts", true))),
                reject("ts without zone", RejectReason.INVALID_TIMESTAMP, MessageKind.STATE,
                        () -> bytes(Payloads.state().put("ts", "2026-11-23T10:00:00"))),
                reject("ts in 1970", RejectReason.TIMESTAMP_OUT_OF_RANGE, MessageKind.STATE,
                        () -> bytes(Payloads.state().put("ts", 1000))),
                reject("ts an hour ahead", RejectReason.TIMESTAMP_OUT_OF_RANGE, MessageKind.STATE,
                        () -> bytes(Payloads.state().put("ts", RECEIVED_AT.plus(Duration.ofHours(1)).toString()))),
                reject("negative epoch", RejectReason.TIMESTAMP_OUT_OF_RANGE, MessageKind.STATE,
                        () -> bytes(Payloads.state().put("ts", -5))),
                reject("metrics not an object", RejectReason.UNKNOWN_FIELD_TYPE, MessageKind.TELEMETRY,
                        () -> bytes(Payloads.telemetry().put("metrics", "71.2"))),
                reject("metric as a string", RejectReason.UNKNOWN_FIELD_TYPE, MessageKind.TELEMETRY,
                        () -> bytes(metrics(m -> m.put("temperature", "71.2")))),
                reject("NaN metric", RejectReason.NON_FINITE_VALUE, MessageKind.TELEMETRY,
                        () -> bytes("{\"ts\":\"" + Payloads.TS + "\",\"metrics\":{\"temperature\":NaN}}")),
                reject("Infinity metric", RejectReason.NON_FINITE_VALUE, MessageKind.TELEMETRY,
                        () -> bytes("{\"ts\":\"" + Payloads.TS + "\",\"metrics\":{\"temperature\":-Infinity}}")),
                reject("metric overflowing a double", RejectReason.NON_FINITE_VALUE, MessageKind.TELEMETRY,
                        () -> bytes("{\"ts\":\"" + Payloads.TS + "\",\"metrics\":{\"temperature\":1e999}}")),
                reject("no metrics", RejectReason.NO_METRICS, MessageKind.TELEMETRY,
                        () -> bytes(metrics(m -> m.removeAll()))),
                reject("too many metrics", RejectReason.TOO_MANY_METRICS, MessageKind.TELEMETRY,
                        () -> bytes(metrics(m -> {
                            for (int i = 0; i < 300; i++) {
                                m.put("m" + i, i);
                            }
                        }))),
                reject("metric name with a space", RejectReason.INVALID_METRIC_NAME, MessageKind.TELEMETRY,
                        () -> bytes(metrics(m -> m.put("oil temp", 3)))),
                reject("unknown state", RejectReason.UNKNOWN_STATE, MessageKind.STATE,
                        () -> bytes(Payloads.state().put("state", "SLEEPING"))),
                reject("lower-case state", RejectReason.UNKNOWN_STATE, MessageKind.STATE,
                        () -> bytes(Payloads.state().put("state", "running"))),
                reject("reason with a space", RejectReason.INVALID_REASON, MessageKind.STATE,
                        () -> bytes(Payloads.state().put("state", "DOWN").put("reason", "tool change"))),
                reject("reason longer than 64", RejectReason.INVALID_REASON, MessageKind.STATE,
                        () -> bytes(Payloads.state().put("state", "IDLE").put("reason", "r".repeat(65)))),
                reject("empty reason", RejectReason.INVALID_REASON, MessageKind.STATE,
                        () -> bytes(Payloads.state().put("state", "IDLE").put("reason", ""))),
                reject("reason as a number", RejectReason.UNKNOWN_FIELD_TYPE, MessageKind.STATE,
                        () -> bytes(Payloads.state().put("state", "DOWN").put("reason", 17))),
                reject("good above total", RejectReason.INVALID_COUNT, MessageKind.COUNT,
                        () -> bytes(Payloads.count().put("good", 6))),
                reject("negative total", RejectReason.INVALID_COUNT, MessageKind.COUNT,
                        () -> bytes(Payloads.count().put("total", -1).put("good", 0))),
                reject("absurd total", RejectReason.INVALID_COUNT, MessageKind.COUNT,
                        () -> bytes(Payloads.count().put("total", 5_000_000_000L))),
                reject("fractional count", RejectReason.UNKNOWN_FIELD_TYPE, MessageKind.COUNT,
                        () -> bytes(Payloads.count().put("total", 5.5))),
                reject("no good count", RejectReason.MISSING_FIELD, MessageKind.COUNT,
                        () -> bytes(Payloads.count().without("good"))),
                reject("firmware not a version", RejectReason.INVALID_VALUE, MessageKind.HEARTBEAT,
                        () -> bytes(Payloads.heartbeat().put("firmware", "1.4 beta; rm -rf"))),
                reject("firmware as a number", RejectReason.UNKNOWN_FIELD_TYPE, MessageKind.HEARTBEAT,
                        () -> bytes(Payloads.heartbeat().put("firmware", 1.4))),
                reject("unknown OTA status", RejectReason.UNKNOWN_OTA_STATUS, MessageKind.OTA,
                        () -> bytes(Payloads.ota().put("status", "DONE"))),
                reject("progress over 100", RejectReason.INVALID_VALUE, MessageKind.OTA,
                        () -> bytes(Payloads.ota().put("progress", 140))),
                reject("OTA message too long", RejectReason.INVALID_VALUE, MessageKind.OTA,
                        () -> bytes(Payloads.ota().put("message", "x".repeat(5000)))),
                reject("deployment id with a slash", RejectReason.INVALID_VALUE, MessageKind.OTA,
                        () -> bytes(Payloads.ota().put("deploymentId", "../etc"))),
                reject("deeply nested", RejectReason.MALFORMED_JSON, MessageKind.TELEMETRY,
                        () -> bytes("{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}")));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("rejections")
    void refusesWithTheReason(String description, RejectReason reason, MessageKind kind, Supplier<byte[]> payload) {
        ParseResult result = codec.parsePayload(PRESS, kind, payload.get(), RECEIVED_AT);

        assertThat(result).isInstanceOfSatisfying(ParseResult.Rejected.class, rejected -> {
            assertThat(rejected.rejection().reason()).isEqualTo(reason);
            assertThat(rejected.rejection().detail()).isNotBlank().hasSizeLessThan(300);
        });
    }

    @Test
    void topicsOutsideTheContractAreRefused() {
        for (String topic : new String[] {"plantline/acme/press-7/coffee", "plantline/Acme/press-7/telemetry",
                "plantline/acme/press-7", "other/acme/press-7/telemetry", "plantline/acme/press-7/telemetry/x",
                "plantline/acme/-press/telemetry"}) {
            ParseResult result = codec.parseMqtt(topic, bytes(Payloads.telemetry()), RECEIVED_AT);
            assertThat(result).as(topic).isInstanceOfSatisfying(ParseResult.Rejected.class,
                    rejected -> assertThat(rejected.rejection().reason()).isEqualTo(RejectReason.INVALID_TOPIC));
        }
    }

    @Test
    void kafkaRecordWithForeignDeviceNameIsRefused() {
        ObjectNode record = Payloads.state().put("org", "ACME!").put("device", "press-7").put("kind", "state")
                .put("receivedAt", RECEIVED_AT.toString());

        assertThat(codec.decode(bytes(record))).isInstanceOfSatisfying(ParseResult.Rejected.class,
                rejected -> assertThat(rejected.rejection().reason()).isEqualTo(RejectReason.INVALID_VALUE));
    }

    @Test
    void payloadLimitIsConfigurable() {
        DeviceMessageCodec small = new DeviceMessageCodec(32, Duration.ofMinutes(5));

        assertThat(small.parsePayload(PRESS, MessageKind.TELEMETRY, bytes(Payloads.telemetry()), RECEIVED_AT))
                .isInstanceOfSatisfying(ParseResult.Rejected.class, rejected ->
                        assertThat(rejected.rejection().reason()).isEqualTo(RejectReason.PAYLOAD_TOO_LARGE));
    }

    private io.plantline.model.DeviceMessage accepted(MessageKind kind, ObjectNode payload) {
        ParseResult result = codec.parsePayload(PRESS, kind, bytes(payload), RECEIVED_AT);
        assertThat(result).isInstanceOf(ParseResult.Accepted.class);
        return ((ParseResult.Accepted) result).message();
    }

    private static MessageKind kindOf(ObjectNode payload) {
        if (payload.has("metrics")) {
            return MessageKind.TELEMETRY;
        } else if (payload.has("state")) {
            return MessageKind.STATE;
        } else if (payload.has("total")) {
            return MessageKind.COUNT;
        }
        return payload.has("deploymentId") ? MessageKind.OTA : MessageKind.HEARTBEAT;
    }

    private static ObjectNode metrics(java.util.function.Consumer<ObjectNode> change) {
        ObjectNode payload = Payloads.telemetry();
        change.accept((ObjectNode) payload.get("metrics"));
        return payload;
    }

    private static Arguments reject(String description, RejectReason reason, MessageKind kind, Supplier<byte[]> payload) {
        return Arguments.of(description, reason, kind, payload);
    }
}
