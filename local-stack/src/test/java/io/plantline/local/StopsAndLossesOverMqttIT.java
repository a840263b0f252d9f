package io.plantline.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.plantline.simulator.SimulatedStopReason;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 32, item 8 and its scenario, in local mode: the demo organisation has its two-shift calendar and the simulator's
 * catalogue of stop reasons; a machine sends states with reasons and part counts over MQTT, and the API's stops, losses
 * and OEE come out as worked by hand, the losses adding up to the planned time not made good.
 */
class StopsAndLossesOverMqttIT {

    private static final String PASSWORD = "a long local password";
    private static final String DEVICE = "press-9";
    private static final long IDEAL_CYCLE_MS = 2_000;

    @TempDir
    Path dataDir;

    @Test
    void statesWithReasonsOverMqttGiveTheStopsLossesAndOeeWorkedByHand() throws Exception {
        LocalStackOptions options = FreePortOptions.of(dataDir,
                "--machines=2", "--groups=1", "--interval-ms=500", "--admin-password=" + PASSWORD);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (LocalStack stack = new LocalStack(new PrintStream(console, true, StandardCharsets.UTF_8))) {
            stack.start(options);
            LocalApi api = new LocalApi(stack, PASSWORD);
            assertTheDemoHasItsCalendarAndCatalogue(api);

            // The machine makes a part every 2 s at best; its line runs around the clock, so every minute is scheduled
            // whatever the time of day the test runs at.
            Instant now = Instant.now();
            String writeKey = api.call("POST", "/devices", Map.of("deviceId", DEVICE)).path("data").path("writeKey").asText();
            api.call("PUT", "/devices/" + DEVICE + "/settings", Map.of("idealCycleSeconds", IDEAL_CYCLE_MS / 1000,
                    "effectiveFrom", now.minus(Duration.ofHours(1)).toString()));
            api.call("POST", "/groups", Map.of("groupId", "cell-9", "name", "Cell 9", "deviceIds", List.of(DEVICE)));
            api.call("PUT", "/groups/cell-9/calendar", Map.of("effectiveFrom", now.minus(Duration.ofHours(1)).toString(),
                    "shifts", List.of(Map.of("name", "Around the clock", "days",
                            List.of("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"), "start", "00:00", "end", "00:00"))));

            // The first two minutes are sent at once, backdated as far as the allowed lateness (2 min behind the
            // simulator's watermark) lets them be, early in a minute; the rest as it happens.
            Awaitility.await().atMost(Duration.ofSeconds(70)).pollInterval(Duration.ofMillis(200))
                    .until(() -> secondOfMinute(Instant.now()) >= 5 && secondOfMinute(Instant.now()) <= 20);
            Instant start = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(2));
            Mqtt5BlockingClient device = MqttClient.builder().useMqttVersion5().identifier("demo/" + DEVICE)
                    .serverHost("127.0.0.1").serverPort(mqttPort(console)).simpleAuth().username("demo/" + DEVICE)
                    .password(writeKey.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().buildBlocking();
            device.connect();
            try {
                for (Message message : scenario()) {
                    Instant ts = start.plusSeconds(message.second());
                    Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(100))
                            .until(() -> !Instant.now().isBefore(ts));
                    Map<String, Object> payload = new LinkedHashMap<>();
                    payload.put("ts", ts.toString());
                    payload.putAll(message.fields());
                    device.publishWith().topic("plantline/demo/" + DEVICE + "/" + message.kind()).qos(MqttQos.AT_LEAST_ONCE)
                            .payload(LocalApi.JSON.writeValueAsBytes(payload)).send();
                }
            } finally {
                device.disconnect();
            }

            String range = "deviceId=" + DEVICE + "&from=" + start + "&to=" + start.plus(Duration.ofMinutes(4));
            String lastMinutesParts = "SELECT total_count FROM oee_1m WHERE device_id = '" + DEVICE + "' AND bucket_start = '"
                    + start.plus(Duration.ofMinutes(3)) + "'";
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> api.query(lastMinutesParts) instanceof Number parts && parts.longValue() == 12);
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertStops(api.call("GET", "/stops?" + range, null).path("data"), start));
            assertLosses(api.call("GET", "/analytics/losses?" + range, null).path("data"));
            assertOee(api.call("GET", "/analytics/oee?granularity=1m&" + range, null).path("data"));
        }
    }

    /**
     * Four minutes from {@code start}, a heartbeat every 20 s besides: running from 0 s; a jam 20-35 s (a minor stop);
     * a mechanical breakdown 50-180 s (130 s: a breakdown); a material shortage 200-230 s (a minor stop). Parts: 10 made
     * and 9 good in the first minute, 12 and 11 in the last.
     */
    private static List<Message> scenario() {
        List<Message> messages = new ArrayList<>(List.of(
                state(0, "RUNNING", null),
                count(10, 4, 4),
                state(20, "IDLE", "jam"),
                state(35, "RUNNING", null),
                count(45, 6, 5),
                state(50, "DOWN", "breakdown_mechanical"),
                state(180, "RUNNING", null),
                count(195, 8, 8),
                state(200, "IDLE", "material_shortage"),
                state(230, "RUNNING", null),
                count(235, 4, 3)));
        for (int second = 0; second <= 260; second += 20) {
            messages.add(new Message(second, "heartbeat", Map.of("firmware", "1.0.0")));
        }
        messages.sort(Comparator.comparingInt(Message::second));
        return messages;
    }

    /** Newest first: what each stop's reason and length make it by the demo catalogue. */
    private static void assertStops(JsonNode stops, Instant start) {
        assertThat(stops).extracting(stop -> stop.get("startedAt").asText() + " " + stop.get("durationMs").asLong() + " "
                + stop.get("state").asText() + " " + stop.get("reasonCode").asText() + " " + stop.get("reasonName").asText()
                + " / " + stop.get("category").asText()).containsExactly(
                start.plusSeconds(200) + " 30000 IDLE material_shortage Material shortage / minor_stop",
                start.plusSeconds(50) + " 130000 DOWN breakdown_mechanical Mechanical breakdown / breakdown",
                start.plusSeconds(20) + " 15000 IDLE jam Part jam / minor_stop");
    }

    /**
     * Planned 240 s (four scheduled minutes, all known); run 35 + 30 = 65 s; ideal 22 parts x 2 s = 44 s; good ideal
     * 20 x 2 s = 40 s. Stops 15 + 130 + 30 = 175 s = planned - run. Speed loss 65 - 44 = 21 s, quality loss 44 - 40 = 4 s;
     * planned - good ideal = 200 s = 175 + 21 + 4.
     */
    private static void assertLosses(JsonNode losses) {
        assertThat(losses.get("plannedMs").asLong()).isEqualTo(240_000);
        assertThat(losses.get("runMs").asLong()).isEqualTo(65_000);
        assertThat(losses.get("idealMs").asDouble()).isEqualTo(44_000);
        assertThat(losses.get("goodIdealMs").asDouble()).isEqualTo(40_000);
        assertThat(losses.get("stopLossTotalMs").asLong()).isEqualTo(175_000);
        assertThat(losses.get("speedLossMs").asDouble()).isEqualTo(21_000);
        assertThat(losses.get("qualityLossMs").asDouble()).isEqualTo(4_000);
        Map<String, Long> byCategory = new LinkedHashMap<>();
        losses.get("stopLossMs").fields().forEachRemaining(entry -> byCategory.put(entry.getKey(), entry.getValue().asLong()));
        assertThat(byCategory).containsEntry("breakdown", 130_000L).containsEntry("minor_stop", 45_000L)
                .containsEntry("setup", 0L).containsEntry("material", 0L).containsEntry("unclassified", 0L);
        assertThat(byCategory.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(175_000);
        assertThat(losses.get("pareto")).extracting(reason -> reason.get("reasonCode").asText() + " "
                + reason.get("lostMs").asLong() + " " + reason.get("stops").asLong()).containsExactly(
                "breakdown_mechanical 130000 1", "material_shortage 30000 1", "jam 15000 1");
        assertThat(losses.get("plannedMs").asDouble() - losses.get("goodIdealMs").asDouble()).isEqualTo(
                losses.get("stopLossTotalMs").asDouble() + losses.get("speedLossMs").asDouble()
                        + losses.get("qualityLossMs").asDouble());
    }

    /** OEE = good ideal / planned = 40 / 240; A = 65 / 240, P = 44 / 65, Q = 40 / 44; one breakdown of 130 s. */
    private static void assertOee(JsonNode oee) {
        JsonNode total = oee.get("total");
        assertThat(total.get("plannedMs").asLong()).isEqualTo(240_000);
        assertThat(total.get("runMs").asLong()).isEqualTo(65_000);
        assertThat(total.get("totalCount").asLong()).isEqualTo(22);
        assertThat(total.get("goodCount").asLong()).isEqualTo(20);
        assertThat(total.get("oee").asDouble()).isCloseTo(40.0 / 240, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(total.get("availability").asDouble()).isCloseTo(65.0 / 240, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(total.get("performance").asDouble()).isCloseTo(44.0 / 65, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(total.get("quality").asDouble()).isCloseTo(40.0 / 44, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(oee.get("series")).hasSize(4);
        JsonNode reliability = oee.get("reliability");
        assertThat(reliability.get("downStops").asLong()).isEqualTo(1);
        assertThat(reliability.get("mttrMs").asDouble()).isEqualTo(130_000);
        assertThat(reliability.get("mtbfMs").asDouble()).isEqualTo(65_000);
    }

    /** Written by the control API at the first start: two shifts every day in the machine's zone, and the catalogue. */
    private static void assertTheDemoHasItsCalendarAndCatalogue(LocalApi api) throws Exception {
        JsonNode calendar = api.call("GET", "/calendar", null).path("data").path("calendar");
        assertThat(calendar.path("shifts")).extracting(shift -> shift.get("name").asText() + " " + shift.get("start").asText()
                + "-" + shift.get("end").asText() + " " + shift.get("days").size() + " days, break "
                + shift.get("breaks").get(0).get("start").asText() + "-" + shift.get("breaks").get(0).get("end").asText())
                .containsExactly("Early 06:00-14:00 7 days, break 10:00-10:30", "Late 14:00-22:00 7 days, break 18:00-18:30");
        assertThat(api.call("GET", "/organisation", null).path("data").path("timeZone").asText())
                .isEqualTo(ZoneId.systemDefault().getId());

        JsonNode catalogue = api.call("GET", "/stop-reasons", null).path("data");
        assertThat(catalogue.get("minorStopSeconds").asInt()).isEqualTo(120);
        assertThat(catalogue.get("reasons")).extracting(reason -> reason.get("code").asText() + " " + reason.get("category").asText())
                .containsExactlyInAnyOrderElementsOf(SimulatedStopReason.catalogue().stream()
                        .map(reason -> reason.code().orElseThrow() + " " + reason.category().orElseThrow()).toList())
                .contains("jam operator", "tool_change setup", "material_shortage material", "breakdown_mechanical breakdown");
    }

    private record Message(int second, String kind, Map<String, Object> fields) {
    }

    private static Message state(int second, String state, String reason) {
        return new Message(second, "state", reason == null ? Map.of("state", state) : Map.of("state", state, "reason", reason));
    }

    private static Message count(int second, int total, int good) {
        return new Message(second, "count", Map.of("total", total, "good", good));
    }

    private static int secondOfMinute(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC).getSecond();
    }

    private static int mqttPort(ByteArrayOutputStream console) {
        return Integer.parseInt(console.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> line.contains("MQTT broker      tcp://")).findFirst().orElseThrow()
                .replaceFirst(".*tcp://127\\.0\\.0\\.1:(\\d+).*", "$1"));
    }
}
