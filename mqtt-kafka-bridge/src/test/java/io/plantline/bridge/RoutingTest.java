package io.plantline.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceProfile;
import io.plantline.model.DeviceRef;
import io.plantline.model.MessageKind;
import io.plantline.model.Topics;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.ParseResult;
import io.plantline.model.json.RecordJson;
import io.plantline.model.json.RejectReason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoutingTest {

    private static final Instant NOW = Instant.parse("2026-11-23T10:00:01Z");
    private static final String TELEMETRY = "{\"ts\":\"2026-11-23T10:00:00Z\",\"metrics\":{\"temperature\":71.5}}";
    private static final Map<String, DeviceRegistry.Status> REGISTRY = Map.of(
            "acme/press-7", DeviceRegistry.Status.ENABLED, "acme/press-8", DeviceRegistry.Status.DISABLED,
            "acme/press-10", DeviceRegistry.Status.ENABLED);

    /** press-7 refuses what is outside its profile, press-10 flags it. */
    private static final Map<String, DeviceProfile> PROFILES = Map.of(
            "acme/press-7", profile("press", false), "acme/press-10", profile("press-flagging", true));

    private final DeviceMessageCodec codec = new DeviceMessageCodec(1024, Duration.ofMinutes(5));
    private final Routing routing = new Routing(codec,
            device -> REGISTRY.getOrDefault(device.key(), DeviceRegistry.Status.UNKNOWN),
            device -> Optional.ofNullable(PROFILES.get(device.key())), Routing.SOURCE);

    @Test
    void validMessageGoesToTheTopicOfItsKindKeyedByDevice() {
        Routing.Route route = routing.route("plantline/acme/press-7/telemetry", bytes(TELEMETRY), NOW);

        assertThat(route.record().topic()).isEqualTo(Topics.TELEMETRY);
        assertThat(route.record().key()).isEqualTo("acme/press-7");
        assertThat(route.kind()).contains(MessageKind.TELEMETRY);
        ParseResult decoded = codec.decode(route.record().value());
        assertThat(decoded).isInstanceOfSatisfying(ParseResult.Accepted.class, accepted -> {
            assertThat(accepted.message().device()).isEqualTo(new DeviceRef("acme", "press-7"));
            assertThat(accepted.message().receivedAt()).isEqualTo(NOW);
        });
    }

    @Test
    void machineEventsAndDeviceEventsShareTheirTopics() {
        assertThat(routing.route("plantline/acme/press-7/state", bytes("{\"ts\":1795000000000,\"state\":\"IDLE\"}"), NOW)
                .record().topic()).isEqualTo(Topics.MACHINE_EVENTS);
        assertThat(routing.route("plantline/acme/press-7/heartbeat", bytes("{\"ts\":1795000000000}"), NOW)
                .record().topic()).isEqualTo(Topics.DEVICE_EVENTS);
    }

    @Test
    void everyRefusalIsADeadLetterWithReasonAndRawBytes() {
        assertDeadLetter("plantline/acme/press-9/telemetry", TELEMETRY, RejectReason.UNKNOWN_DEVICE, "acme/press-9");
        assertDeadLetter("plantline/acme/press-8/telemetry", TELEMETRY, RejectReason.DEVICE_DISABLED, "acme/press-8");
        assertDeadLetter("plantline/acme/press-7/coffee", TELEMETRY, RejectReason.INVALID_TOPIC, null);
        assertDeadLetter("plantline/acme/press-7/telemetry", "{\"ts\":", RejectReason.MALFORMED_JSON, "acme/press-7");
        assertDeadLetter("plantline/acme/press-7/telemetry", "{\"ts\":1," + "\"x\":\"" + "y".repeat(2000) + "\"}",
                RejectReason.PAYLOAD_TOO_LARGE, "acme/press-7");
    }

    private void assertDeadLetter(String topic, String payload, RejectReason reason, String key) {
        Routing.Route route = routing.route(topic, bytes(payload), NOW);

        assertThat(route.rejection()).contains(reason);
        assertThat(route.kind()).isEmpty();
        assertThat(route.record().topic()).isEqualTo(Topics.DEAD_LETTER);
        assertThat(route.record().key()).isEqualTo(key);
        DeadLetter letter = RecordJson.readDeadLetter(route.record().value());
        assertThat(letter.reason()).isEqualTo(reason.code());
        assertThat(letter.source()).isEqualTo("bridge");
        assertThat(letter.origin()).isEqualTo(topic);
        assertThat(letter.raw()).isEqualTo(bytes(payload));
        assertThat(letter.at()).isEqualTo(NOW);
    }

    @Test
    void aReadingOutsideItsDevicesProfileIsADeadLetterWithItsOwnReason() {
        for (String reading : new String[] {"{\"ts\":\"2026-11-23T10:00:00Z\",\"metrics\":{\"temperature\":251.0}}",
                "{\"ts\":\"2026-11-23T10:00:00Z\",\"metrics\":{\"temperature\":71.5,\"humidity\":40}}"}) {
            Routing.Route route = routing.route("plantline/acme/press-7/telemetry", bytes(reading), NOW);

            assertThat(route.rejection()).contains(RejectReason.OUTSIDE_PROFILE);
            assertThat(route.record().topic()).isEqualTo(Topics.DEAD_LETTER);
            assertThat(RecordJson.readDeadLetter(route.record().value()).detail()).contains("profile press");
        }
        assertThat(routing.route("plantline/acme/press-7/telemetry", bytes(TELEMETRY), NOW).rejection()).isEmpty();
    }

    @Test
    void aProfileThatFlagsLetsTheReadingThroughMarked() {
        Routing.Route route = routing.route("plantline/acme/press-10/telemetry",
                bytes("{\"ts\":\"2026-11-23T10:00:00Z\",\"metrics\":{\"temperature\":-40.5}}"), NOW);

        assertThat(route.record().topic()).isEqualTo(Topics.TELEMETRY);
        assertThat(new String(route.record().headers().lastHeader(DeviceProfile.OUTSIDE_HEADER).value(), StandardCharsets.UTF_8))
                .isEqualTo("outside profile press-flagging: temperature -40.5 is outside [0.0, 250.0]");
        assertThat(routing.route("plantline/acme/press-10/telemetry", bytes(TELEMETRY), NOW).record().headers()
                .lastHeader(DeviceProfile.OUTSIDE_HEADER)).isNull();
    }

    private static DeviceProfile profile(String profileId, boolean flagOnly) {
        return new DeviceProfile(profileId, Map.of("temperature", new DeviceProfile.Range(0.0, 250.0)), flagOnly);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
