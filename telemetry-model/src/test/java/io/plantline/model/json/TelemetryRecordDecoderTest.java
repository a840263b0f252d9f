package io.plantline.model.json;

import static io.plantline.model.json.Payloads.RECEIVED_AT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.model.DeviceRef;
import io.plantline.model.MessageId;
import io.plantline.model.MessageKind;
import io.plantline.model.TelemetryReading;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The streaming decoder against the codec's tree decoding of the same Kafka record: the same reading (device, time,
 * metrics in name order, identity key) or the same rejection (reason and detail), on valid records, on records broken
 * one rule at a time and on randomly damaged ones.
 */
class TelemetryRecordDecoderTest {

    private static final DeviceRef PRESS = new DeviceRef("acme", "press-7");

    private final DeviceMessageCodec codec = DeviceMessageCodec.withDefaults();
    private final TelemetryRecordDecoder decoder = new TelemetryRecordDecoder(codec);
    private final Random random = new Random(34L);

    /** What both decoders are compared by. */
    private record Decoded(String org, String device, long ts, List<String> metrics, List<Double> values, long key,
                           Rejection rejection) {
    }

    private static final TelemetryRecordDecoder.Readings<Decoded> DECODED = new TelemetryRecordDecoder.Readings<>() {
        @Override
        public Decoded reading(DeviceRef device, long tsMillis, String[] metrics, double[] values, long messageKey) {
            return new Decoded(device.orgSlug(), device.deviceId(), tsMillis, List.of(metrics),
                    Arrays.stream(values).boxed().toList(), messageKey, null);
        }

        @Override
        public Decoded rejected(Rejection rejection) {
            return new Decoded(null, null, 0, null, null, 0, rejection);
        }
    };

    /** The job's reading as the codec's tree decoding made it. */
    private Decoded byTheCodec(byte[] value) {
        ParseResult result = codec.decode(value);
        if (result instanceof ParseResult.Rejected rejected) {
            return DECODED.rejected(rejected.rejection());
        }
        if (!(((ParseResult.Accepted) result).message() instanceof TelemetryReading reading)) {
            return DECODED.rejected(new Rejection(RejectReason.INVALID_VALUE, "not a telemetry reading"));
        }
        return new Decoded(reading.device().orgSlug(), reading.device().deviceId(), reading.ts().toEpochMilli(),
                List.copyOf(reading.metrics().keySet()), List.copyOf(reading.metrics().values()),
                reading.id().key(reading.kind()), null);
    }

    private int compare(byte[] value) {
        Decoded expected = byTheCodec(value);
        assertThat(decoder.decode(value, DECODED)).as(new String(value, StandardCharsets.UTF_8)).isEqualTo(expected);
        return expected.rejection() == null ? 1 : 0;
    }

    private static ObjectNode record(String kind) {
        ObjectNode payload = switch (kind) {
            case "telemetry" -> Payloads.telemetry();
            case "state" -> Payloads.state();
            case "count" -> Payloads.count();
            default -> Payloads.heartbeat();
        };
        return payload.put("org", PRESS.orgSlug()).put("device", PRESS.deviceId()).put("kind", kind)
                .put("receivedAt", RECEIVED_AT.toString());
    }

    private List<byte[]> corpus() {
        List<byte[]> corpus = new ArrayList<>();
        TelemetryReading reading = new TelemetryReading(PRESS, RECEIVED_AT.minusSeconds(1), RECEIVED_AT,
                Map.of("temperature", 71.2, "spindle_rpm", 1180.0, "a", -0.0, "Z.9", 1e300, "vib-x", 3.0));
        corpus.add(codec.encode(reading));
        corpus.add(codec.encode(new TelemetryReading(PRESS, reading.ts(), RECEIVED_AT, reading.metrics(),
                MessageId.given("5b0c0c1e-3f1a-4b55-9a9b-0d7a7a2a5e11"))));
        corpus.add(Payloads.bytes(record("telemetry")));
        corpus.add(Payloads.bytes(record("telemetry").put("msgId", "m-1")));
        corpus.add(Payloads.bytes(record("telemetry").put("digest", "00ff00ff00ff00ff")));
        corpus.add(Payloads.bytes(record("telemetry").put("msgId", "m-1").put("digest", "00ff00ff00ff00ff")));
        corpus.add(Payloads.bytes(record("telemetry").put("ts", 1_764_000_000_000L).put("unknown", "x")));
        corpus.add(Payloads.bytes(record("telemetry").putNull("msgId").putNull("digest").putNull("other")));
        corpus.add(Payloads.bytes(record("state")));
        corpus.add(Payloads.bytes(record("count")));
        corpus.add(Payloads.bytes(record("heartbeat")));
        corpus.add(Payloads.bytes(record("count").put("good", 9)));
        for (String field : new String[] {"org", "device", "kind", "ts", "receivedAt", "metrics", "msgId", "digest"}) {
            corpus.add(Payloads.bytes(record("telemetry").without(field)));
            corpus.add(Payloads.bytes(record("telemetry").putNull(field)));
            corpus.add(Payloads.bytes(record("telemetry").put(field, true)));
            corpus.add(Payloads.bytes(record("telemetry").put(field, 17)));
            corpus.add(Payloads.bytes(record("telemetry").put(field, 1.5)));
            corpus.add(Payloads.bytes(record("telemetry").put(field, "")));
            corpus.add(Payloads.bytes(record("telemetry").put(field, "x".repeat(70))));
            corpus.add(Payloads.bytes(record("telemetry").put(field, new java.math.BigInteger("9".repeat(30)))));
            ObjectNode nested = record("telemetry");
            nested.putArray(field).add(1).addObject().put("a", "b");
            corpus.add(Payloads.bytes(nested));
        }
        corpus.add(Payloads.bytes(record("telemetry").put("org", "ACME!")));
        corpus.add(Payloads.bytes(record("telemetry").put("kind", "coffee")));
        corpus.add(Payloads.bytes(record("telemetry").put("digest", "00FF00FF00FF00FF")));
        corpus.add(Payloads.bytes(record("telemetry").put("ts", RECEIVED_AT.plus(Duration.ofHours(1)).toString())));
        corpus.add(Payloads.bytes(record("telemetry").put("ts", -5)));
        corpus.add(Payloads.bytes(record("telemetry").put("ts", 1000)));
        corpus.add(Payloads.bytes(record("telemetry").put("ts", "2026-11-23T10:00:00")));
        corpus.add(Payloads.bytes(record("telemetry").put("receivedAt", 253_402_300_800_000L)));
        String head = record("telemetry").without("metrics").toString();
        String open = head.substring(0, head.length() - 1) + ",\"metrics\":";
        for (String metrics : new String[] {"{}", "{\"oil temp\":3}", "{\"t\":NaN}", "{\"t\":-Infinity}",
                "{\"t\":1e999}", "{\"t\":\"3\"}", "{\"t\":null}", "{\"t\":[1]}", "{\"t\":{\"u\":1}}", "{\"t\":true}",
                "{\"b\":1,\"a\":2,\"c\":3}", "{\"b\":1,\"oil temp\":2,\"t\":NaN}", "{\"t\":1,\"t\":2}",
                "{\"t\":123456789012345678901234567890}", "{\"t\":1" + "0".repeat(70) + "}", "{\"\":1}",
                "{\"" + "m".repeat(65) + "\":1}", "[]", "\"x\"", "null", "{\"t\":1,}", "{\"t\":1"}) {
            corpus.add((open + metrics + "}").getBytes(StandardCharsets.UTF_8));
        }
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i < 300; i++) {
            many.append(i == 0 ? "" : ",").append("\"m").append(i).append("\":").append(i == 5 ? "NaN" : i);
        }
        corpus.add((open + many + "}}").getBytes(StandardCharsets.UTF_8));
        String valid = record("telemetry").toString();
        for (String text : new String[] {"", " ", "null", "[1,2]", "[1,2", "17", "\"x\"", valid + " {}", valid + " x",
                valid + "]", "{\"a\":" + "[".repeat(20) + "]".repeat(20) + "}",
                valid.replace("\"org\"", "\"org\":1,\"org\""),
                valid.substring(0, valid.length() - 1) + ",\"u\":" + "9".repeat(70) + "}",
                valid.substring(0, valid.length() - 1) + ",\"u\":\"\u00e9\"}"}) {
            corpus.add(text.getBytes(StandardCharsets.UTF_8));
        }
        byte[] badUtf8 = (valid.substring(0, valid.length() - 1) + ",\"u\":\"__\"}").getBytes(StandardCharsets.UTF_8);
        badUtf8[badUtf8.length - 4] = (byte) 0xC3;
        badUtf8[badUtf8.length - 3] = (byte) 0x28;
        corpus.add(badUtf8);
        corpus.add(new byte[300 * 1024]);
        return corpus;
    }

    @Test
    void decodesLikeTheCodecOnEveryRecordOfTheCorpus() {
        int accepted = 0;
        for (byte[] value : corpus()) {
            accepted += compare(value);
        }
        assertThat(accepted).as("valid records in the corpus").isGreaterThanOrEqualTo(8);
    }

    @Test
    void decodesLikeTheCodecOnDamagedRecords() {
        List<byte[]> seeds = corpus().subList(0, 12);
        int accepted = 0;
        for (int i = 0; i < 50_000; i++) {
            byte[] seed = seeds.get(random.nextInt(seeds.size()));
            accepted += compare(mutate(seed.clone()));
        }
        assertThat(accepted).as("damage that left a valid record").isPositive();
    }

    @Test
    void identityIsTheCodecsForMsgIdDigestAndContent() {
        TelemetryReading reading = new TelemetryReading(PRESS, RECEIVED_AT, RECEIVED_AT, Map.of("t", 1.0));
        byte[] byDigest = codec.encode(reading);
        byte[] byMsgId = codec.encode(new TelemetryReading(PRESS, RECEIVED_AT, RECEIVED_AT, Map.of("t", 1.0),
                MessageId.given("m-1")));

        assertThat(decoder.decode(byDigest, DECODED).key())
                .isEqualTo(codec.contentId(reading).key(MessageKind.TELEMETRY));
        assertThat(decoder.decode(byMsgId, DECODED).key()).isEqualTo(MessageId.given("m-1").key(MessageKind.TELEMETRY));
        assertThat(decoder.decode(byMsgId, DECODED).key()).isNotEqualTo(decoder.decode(byDigest, DECODED).key());
    }

    private byte[] mutate(byte[] value) {
        int position = random.nextInt(value.length);
        return switch (random.nextInt(5)) {
            case 0 -> {
                value[position] = (byte) random.nextInt(256);
                yield value;
            }
            case 1 -> {
                value[position] = (byte) ('0' + random.nextInt(10));
                yield value;
            }
            case 2 -> Arrays.copyOf(value, position);
            case 3 -> {
                byte[] longer = new byte[value.length + 1];
                System.arraycopy(value, 0, longer, 0, position);
                longer[position] = (byte) "{}[]\",:-.eE0N ".charAt(random.nextInt(14));
                System.arraycopy(value, position, longer, position + 1, value.length - position);
                yield longer;
            }
            default -> {
                byte[] shorter = new byte[value.length - 1];
                System.arraycopy(value, 0, shorter, 0, position);
                System.arraycopy(value, position + 1, shorter, position, value.length - position - 1);
                yield shorter;
            }
        };
    }
}
