package io.plantline.pipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.DeviceRef;
import io.plantline.model.MachineState;
import io.plantline.model.MachineStateChange;
import io.plantline.model.MessageId;
import io.plantline.model.MessageKind;
import io.plantline.model.TelemetryReading;
import io.plantline.model.json.DeviceMessageCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class TelemetryDeserializerTest {

    private static final DeviceRef PRESS = new DeviceRef("acme", "press-7");
    private static final Instant TS = Instant.parse("2026-11-23T10:00:00.250Z");

    private final DeviceMessageCodec codec = DeviceMessageCodec.withDefaults();
    private final TelemetryDeserializer deserializer = new TelemetryDeserializer("telemetry-analytics");

    @Test
    void aReadingBecomesTheJobsReadingWithItsMetricsInNameOrder() {
        TelemetryReading reading = new TelemetryReading(PRESS, TS, TS,
                Map.of("vibration", 2.5, "temperature", 71.2, "spindle_rpm", 1180.0), MessageId.given("m-17"));

        TelemetryRecord record = deserializer.toRecord(consumed(codec.encode(reading)));

        assertThat(record.isRejected()).isFalse();
        assertThat(record.ts()).isEqualTo(TS.toEpochMilli());
        DeviceReading decoded = record.reading();
        assertThat(decoded.deviceKey()).isEqualTo("acme/press-7");
        assertThat(decoded.metrics()).containsExactly("spindle_rpm", "temperature", "vibration");
        assertThat(decoded.values()).containsExactly(1180.0, 71.2, 2.5);
        assertThat(decoded.messageKey()).isEqualTo(MessageId.given("m-17").key(MessageKind.TELEMETRY));
    }

    @Test
    void anotherKindOrNoValueIsADeadLetterNamingWhereItCameFrom() {
        MachineStateChange state = new MachineStateChange(PRESS, TS, TS, MachineState.RUNNING, Optional.empty(),
                MessageId.given("s-1"));

        TelemetryRecord otherKind = deserializer.toRecord(consumed(codec.encode(state)));
        TelemetryRecord empty = deserializer.toRecord(consumed(null));

        assertThat(otherKind.rejected().reason()).isEqualTo("invalid_value");
        assertThat(otherKind.rejected().detail()).isEqualTo("not a telemetry reading");
        assertThat(otherKind.rejected().origin()).isEqualTo("factory.telemetry-3@42");
        assertThat(otherKind.rejected().key()).isEqualTo("acme/press-7");
        assertThat(empty.rejected().reason()).isEqualTo("malformed_json");
        assertThat(empty.rejected().detail()).isEqualTo("empty record");
        assertThat(empty.ts()).isEqualTo(TelemetryRecord.NO_EVENT_TIME);
    }

    private static ConsumerRecord<byte[], byte[]> consumed(byte[] value) {
        return new ConsumerRecord<>("factory.telemetry", 3, 42, PRESS.key().getBytes(StandardCharsets.UTF_8), value);
    }
}
