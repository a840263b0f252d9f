package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.model.Topics;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Live channels on the WebSocket: a device's or a group's readings, their state on subscribing (machine state
 * included, as the device resources show it), and the rate limit.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class LiveChannelsIT {
    private static final String ORG = TestApi.uniqueSlug("live");
    private static final int PER_SECOND = 5;
    private static final int IDLE_TIMEOUT_S = 3;

    private static TestApi server;
    private static TestApi.Org org;
    private static TestApi.Org other;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) {
        server = TestApi.start(database, kafka, "--ws-heartbeat-s=1", "--ws-idle-timeout-s=" + IDLE_TIMEOUT_S,
                "--ws-messages-per-second=" + PER_SECOND);
        org = server.organisation(ORG);
        other = server.organisation(TestApi.uniqueSlug("live-other"));
        for (String deviceId : List.of("press-1", "press-2", "oven-1")) {
            assertThat(server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", deviceId)).status()).isEqualTo(201);
        }
        assertThat(server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "presses", "name", "Presses",
                "deviceIds", List.of("press-1", "press-2"))).status()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aDeviceChannelAnswersItsStateThenItsReadingsAndNoOtherDevicesOrStrayRecords() throws Exception {
        Instant minute = server.clock.instant().truncatedTo(ChronoUnit.MINUTES).minusSeconds(60);
        server.database.execute("INSERT INTO telemetry_1m (org_slug, device_id, metric, bucket_start, count, min, max, avg, stddev)"
                + " VALUES ('" + ORG + "', 'oven-1', 'temperature', '" + minute + "', 6, 180, 190, 185, 2)");
        // What the OEE job writes from the machine's newest state event.
        server.database.execute("UPDATE devices SET machine_state = 'RUNNING', machine_state_since = '" + minute
                + "' WHERE org_slug = '" + ORG + "' AND device_id = 'oven-1'");
        SocketListener socket = SocketListener.connect(server, "?token=" + org.viewerToken());
        socket.socket.sendText("{\"subscribe\":\"device:oven-1\"}", true);

        JsonNode subscribed = socket.next(message -> message.path("type").asText().equals("subscribed")).orElseThrow();
        assertThat(subscribed.get("channel").asText()).isEqualTo("device:oven-1");
        JsonNode state = subscribed.get("data").get(0);
        assertThat(state.get("deviceId").asText()).isEqualTo("oven-1");
        assertThat(state.get("latest").get(0).get("avg").asDouble()).isEqualTo(185.0);
        assertThat(state.get("machineState").asText()).isEqualTo("RUNNING");
        assertThat(Instant.parse(state.get("machineStateSince").asText())).isEqualTo(minute);
        for (String path : List.of("/devices/oven-1", "/devices/oven-1/status")) {
            JsonNode device = server.call("GET", path, org.viewerToken(), null).data();
            assertThat(device.get("machineState").asText()).as(path).isEqualTo("RUNNING");
            assertThat(Instant.parse(device.get("machineStateSince").asText())).as(path).isEqualTo(minute);
        }

        server.kafka.produce(Topics.TELEMETRY, null, "not a device message".getBytes(StandardCharsets.UTF_8));
        reading("press-1", 1.0);
        reading("oven-1", 186.5);
        JsonNode live = socket.next(message -> message.path("type").asText().equals("reading")).orElseThrow();
        assertThat(live.get("channel").asText()).isEqualTo("device:oven-1");
        assertThat(live.get("data").get("metrics").get("temperature").asDouble()).isEqualTo(186.5);
        assertThat(socket.next(message -> message.path("type").asText().equals("reading"))).as("press-1 is not subscribed")
                .isEmpty();

        socket.socket.sendText("{\"unsubscribe\":\"device:oven-1\"}", true);
        // A socket's messages are handled in order: once press-2 is subscribed, oven-1 is not any more.
        socket.socket.sendText("{\"subscribe\":\"device:press-2\"}", true);
        socket.next(message -> message.path("channel").asText().equals("device:press-2")).orElseThrow();
        reading("oven-1", 187.0);
        assertThat(socket.next(message -> message.path("type").asText().equals("reading"))).isEmpty();
    }

    @Test
    void aGroupChannelCarriesItsMembersAndAnotherOrganisationsChannelsDoNotExist() throws Exception {
        SocketListener socket = SocketListener.connect(server, "?token=" + org.viewerToken());
        socket.socket.sendText("{\"subscribe\":\"group:presses\"}", true);
        JsonNode subscribed = socket.next(message -> message.path("type").asText().equals("subscribed")).orElseThrow();
        assertThat(subscribed.get("data").findValuesAsText("deviceId")).containsExactly("press-1", "press-2");

        reading("oven-1", 1.0);
        reading("press-2", 2.0);
        JsonNode live = socket.next(message -> message.path("type").asText().equals("reading")).orElseThrow();
        assertThat(live.get("data").get("device").asText()).isEqualTo("press-2");

        SocketListener stranger = SocketListener.connect(server, "?token=" + other.viewerToken());
        stranger.socket.sendText("{\"subscribe\":\"device:oven-1\"}", true);
        JsonNode refused = stranger.next(message -> message.path("type").asText().equals("error")).orElseThrow();
        assertThat(refused.get("code").asText()).isEqualTo("not_found");
        reading("oven-1", 3.0);
        assertThat(stranger.next(message -> message.path("type").asText().equals("reading"))).isEmpty();
    }

    @Test
    void aRenewalWithAnotherAccountsTokenClosesTheSocketAndItsChannels() throws Exception {
        SocketListener socket = SocketListener.connect(server, "?token=" + org.viewerToken());
        socket.socket.sendText("{\"subscribe\":\"device:oven-1\"}", true);
        socket.next(message -> message.path("type").asText().equals("subscribed")).orElseThrow();

        socket.socket.sendText("{\"token\":\"" + other.viewerToken() + "\"}", true);
        assertThat(socket.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        reading("oven-1", 4.0);
        assertThat(socket.next(message -> message.path("type").asText().equals("reading")))
                .as("the first organisation's readings stop").isEmpty();
    }

    @Test
    void anUnauthenticatedSocketIsClosedWhateverPongsItSends() throws Exception {
        SocketListener socket = SocketListener.connect(server, "");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(IDLE_TIMEOUT_S * 3L);
        while (!socket.closed.isDone() && System.nanoTime() < deadline) {
            socket.socket.sendPong(java.nio.ByteBuffer.allocate(0)).join();
            try {
                socket.closed.get(200, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException stillOpen) {
                // pong again
            }
        }
        assertThat(socket.closed.getNow(null)).as("closed for want of a token").isEqualTo(1008);
    }

    @Test
    void subscribingIsRateLimitedPerUser() throws Exception {
        SocketListener socket = SocketListener.connect(server, "?token=" + org.operatorToken());
        int asked = 310; // the documented limit is 300 a minute
        for (int i = 0; i < asked; i++) {
            socket.socket.sendText("{\"subscribe\":\"group:presses\"}", true).join();
        }
        JsonNode limited = socket.next(message -> message.path("code").asText().equals("rate_limited")).orElseThrow();
        assertThat(limited.get("type").asText()).isEqualTo("error");
        SocketListener second = SocketListener.connect(server, "?token=" + org.operatorToken());
        second.socket.sendText("{\"subscribe\":\"group:presses\"}", true);
        assertThat(second.next(message -> message.path("type").asText().matches("subscribed|error")).orElseThrow()
                .path("code").asText()).as("another socket of the same user").isEqualTo("rate_limited");
    }

    @Test
    void readingsBeyondTheLimitAreDroppedAndCountedInTheHeartbeats() throws Exception {
        SocketListener socket = SocketListener.connect(server, "?token=" + org.viewerToken());
        socket.socket.sendText("{\"subscribe\":\"device:press-1\"}", true);
        socket.next(message -> message.path("type").asText().equals("subscribed")).orElseThrow();
        int sent = 60;
        List<Map.Entry<String, byte[]>> burst = new ArrayList<>();
        for (int i = 0; i < sent; i++) {
            burst.add(Map.entry(ORG + "/press-1", readingRecord("press-1", i)));
        }
        server.kafka.produceAll(Topics.TELEMETRY, burst);
        List<JsonNode> readings = new ArrayList<>();
        long dropped = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (readings.size() + dropped < sent && System.nanoTime() < deadline) {
            JsonNode message = socket.next(m -> m.path("type").asText().matches("reading|heartbeat")).orElseThrow();
            if (message.get("type").asText().equals("reading")) {
                readings.add(message);
            } else {
                dropped += message.get("dropped").asLong();
            }
        }
        assertThat(readings.size() + dropped).isEqualTo(sent);
        assertThat(dropped).isPositive();
        assertThat(readings.size()).isLessThan(sent);
    }

    @Test
    void anOeeChannelShowsTheLinesNewestMinuteThenEachNewerOne() throws Exception {
        Instant minute = server.clock.instant().truncatedTo(ChronoUnit.MINUTES).minusSeconds(180);
        oeeMinute("press-1", minute, 54_000, 50, 45);
        oeeMinute("press-2", minute, 30_000, 20, 20);
        oeeMinute("oven-1", minute.plusSeconds(60), 60_000, 99, 99);
        SocketListener socket = SocketListener.connect(server, "?token=" + org.viewerToken());
        socket.socket.sendText("{\"subscribe\":\"oee:presses\"}", true);

        JsonNode shown = socket.next(message -> message.path("type").asText().equals("subscribed")).orElseThrow().get("data");
        assertThat(shown.get("bucketStart").asText()).as("oven-1 is not on the line").isEqualTo(minute.toString());
        assertThat(shown.get("plannedMs").asLong()).isEqualTo(120_000);
        assertThat(shown.get("totalCount").asLong()).isEqualTo(70);
        assertThat(shown.get("availability").asDouble()).isEqualTo(0.7);

        oeeMinute("press-2", minute.plusSeconds(60), 60_000, 30, 29);
        JsonNode next = socket.next(message -> message.path("type").asText().equals("oee")).orElseThrow();
        assertThat(next.get("channel").asText()).isEqualTo("oee:presses");
        assertThat(next.get("data").get("bucketStart").asText()).isEqualTo(minute.plusSeconds(60).toString());
        assertThat(next.get("data").get("goodCount").asLong()).isEqualTo(29);
        assertThat(socket.next(message -> message.path("type").asText().equals("oee"))).as("each minute once").isEmpty();

        socket.socket.sendText("{\"subscribe\":\"oee:no-such-line\"}", true);
        assertThat(socket.next(message -> message.path("type").asText().equals("error")).orElseThrow().get("code").asText())
                .isEqualTo("not_found");
    }

    /** A machine's minute as the OEE job writes it, with an ideal cycle time of one second. */
    private static void oeeMinute(String deviceId, Instant minute, long runMs, long total, long good) throws Exception {
        server.database.execute("INSERT INTO oee_1m (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count,"
                + " good_count, ideal_cycle_ms, ideal_ms, good_ideal_ms) VALUES ('" + ORG + "', '" + deviceId + "', '" + minute
                + "', 60000, " + runMs + ", " + total + ", " + good + ", 1000, " + total * 1000 + ", " + good * 1000 + ")");
    }

    private static void reading(String deviceId, double value) {
        server.kafka.produce(Topics.TELEMETRY, ORG + "/" + deviceId, readingRecord(deviceId, value));
    }

    /** A reading in its Kafka form, as the bridge writes it. */
    private static byte[] readingRecord(String deviceId, double value) {
        return ("{\"org\":\"" + ORG + "\",\"device\":\"" + deviceId + "\",\"kind\":\"telemetry\",\"ts\":\""
                + Instant.now() + "\",\"metrics\":{\"temperature\":" + value + "}}").getBytes(StandardCharsets.UTF_8);
    }
}
