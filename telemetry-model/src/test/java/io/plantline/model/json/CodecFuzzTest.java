package io.plantline.model.json;

import static io.plantline.model.json.Payloads.RECEIVED_AT;
import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.DeviceRef;
import io.plantline.model.MessageKind;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random bytes and randomly damaged valid payloads: the codec must answer every one with a result,
 * never an exception, and whatever it accepts must survive its own Kafka round trip unchanged.
 */
class CodecFuzzTest {

    private static final DeviceRef DEVICE = new DeviceRef("acme", "press-7");
    private static final List<byte[]> VALID = List.of(
            Payloads.bytes(Payloads.telemetry()), Payloads.bytes(Payloads.state()), Payloads.bytes(Payloads.count()),
            Payloads.bytes(Payloads.heartbeat()), Payloads.bytes(Payloads.ota()));

    private final DeviceMessageCodec codec = DeviceMessageCodec.withDefaults();
    private final Random random = new Random(20261123L);

    @Test
    void randomBytesNeverThrow() {
        for (int i = 0; i < 20_000; i++) {
            byte[] noise = new byte[random.nextInt(256)];
            random.nextBytes(noise);
            checkEveryEntryPoint(noise);
        }
    }

    @Test
    void mutatedValidPayloadsNeverThrow() {
        int accepted = 0;
        for (int i = 0; i < 50_000; i++) {
            byte[] mutant = mutate(VALID.get(random.nextInt(VALID.size())).clone());
            accepted += checkEveryEntryPoint(mutant);
        }
        // Some mutations (a digit changed in a value) leave valid payloads: the fuzzing reached the validators.
        assertThat(accepted).isPositive();
    }

    private int checkEveryEntryPoint(byte[] bytes) {
        int accepted = 0;
        for (MessageKind kind : MessageKind.values()) {
            accepted += checkResult(codec.parsePayload(DEVICE, kind, bytes, RECEIVED_AT));
        }
        checkResult(codec.parseMqtt(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1), bytes, RECEIVED_AT));
        checkResult(codec.decode(bytes));
        return accepted;
    }

    private int checkResult(ParseResult result) {
        assertThat(result).isNotNull();
        if (result instanceof ParseResult.Accepted ok) {
            assertThat(codec.decode(codec.encode(ok.message()))).isEqualTo(result);
            return 1;
        }
        return 0;
    }

    private byte[] mutate(byte[] payload) {
        int position = random.nextInt(payload.length);
        return switch (random.nextInt(5)) {
            case 0 -> {
                payload[position] = (byte) random.nextInt(256);
                yield payload;
            }
            case 1 -> {
                payload[position] = (byte) ('0' + random.nextInt(10));
                yield payload;
            }
            case 2 -> java.util.Arrays.copyOf(payload, position);
            case 3 -> {
                byte[] longer = new byte[payload.length + 1];
                System.arraycopy(payload, 0, longer, 0, position);
                longer[position] = (byte) "{}[]\",:-.eE0N".charAt(random.nextInt(13));
                System.arraycopy(payload, position, longer, position + 1, payload.length - position);
                yield longer;
            }
            default -> {
                byte[] shorter = new byte[payload.length - 1];
                System.arraycopy(payload, 0, shorter, 0, position);
                System.arraycopy(payload, position + 1, shorter, position, payload.length - position - 1);
                yield shorter;
            }
        };
    }
}
