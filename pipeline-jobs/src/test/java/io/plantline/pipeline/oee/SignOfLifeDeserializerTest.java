package io.plantline.pipeline.oee;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.plantline.model.DeviceRef;
import io.plantline.model.Heartbeat;
import io.plantline.model.TelemetryReading;
import io.plantline.model.json.DeviceMessageCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class SignOfLifeDeserializerTest {

    private static final DeviceMessageCodec CODEC = DeviceMessageCodec.withDefaults();
    private static final DeviceRef PRESS = new DeviceRef("acme", "press-1");
    private static final Instant TS = Instant.parse("2026-11-23T08:00:10Z");

    @Test
    void aReadingOrAHeartbeatIsTheDeviceAndItsTimeOnly() {
        List<MachineEventRecord> signs = read(
                CODEC.encode(new TelemetryReading(PRESS, TS, TS, Map.of("spindle_rpm", 1_200.0))),
                CODEC.encode(new Heartbeat(PRESS, TS.plusSeconds(30), TS, Optional.of("1.4.2"))));

        assertThat(signs).extracting(MachineEventRecord::deviceKey, MachineEventRecord::event).containsExactly(
                tuple("acme/press-1", MachineEvent.signOfLife(TS.toEpochMilli())),
                tuple("acme/press-1", MachineEvent.signOfLife(TS.toEpochMilli() + 30_000)));
    }

    /** The job that owns the topic dead-letters it; the OEE job must not report it a second time. */
    @Test
    void aRecordThatDoesNotParseIsLeftOutNotADeadLetter() {
        assertThat(read("{not json".getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    private static List<MachineEventRecord> read(byte[]... values) {
        SignOfLifeDeserializer deserializer = new SignOfLifeDeserializer("oee");
        List<MachineEventRecord> out = new ArrayList<>();
        Collector<MachineEventRecord> collector = new Collector<>() {
            @Override
            public void collect(MachineEventRecord record) {
                out.add(record);
            }

            @Override
            public void close() {
            }
        };
        for (int i = 0; i < values.length; i++) {
            deserializer.deserialize(new ConsumerRecord<>("factory.telemetry", 0, i,
                    PRESS.key().getBytes(StandardCharsets.UTF_8), values[i]), collector);
        }
        return out;
    }
}
