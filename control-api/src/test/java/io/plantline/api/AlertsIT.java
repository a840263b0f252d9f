package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.http.Json;
import io.plantline.model.AlertEvent;
import io.plantline.model.AlertStatus;
import io.plantline.model.AlertTransition;
import io.plantline.model.DeviceRef;
import io.plantline.model.Severity;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class AlertsIT {
    /** Unique per run, so records left on a shared Kafka by earlier runs never match. */
    private static final String ALERT_ORG = TestApi.uniqueSlug("alert-org");

    /** Unique per run, so records left on a shared Kafka by earlier runs never match. */
    private static final String OTHER_ORG = TestApi.uniqueSlug("other-org");


    private static TestApi server;
    private static TestApi.Org org;
    private static TestApi.Org other;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) throws Exception {
        server = TestApi.start(database, kafka, "--ws-heartbeat-s=1", "--ws-idle-timeout-s=3");
        org = server.organisation(ALERT_ORG);
        other = server.organisation(OTHER_ORG);
        server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "oven-1"));
        server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "oven-2"));
        server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "ovens", "name", "Ovens", "deviceIds", List.of("oven-2")));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void alertsFilterByStatusSeverityDeviceGroupAndTime() throws Exception {
        insertAlert("oven-1", "r-filter", "WARNING", "CLEARED", "2026-11-20T08:00:00Z");
        insertAlert("oven-2", "r-filter", "CRITICAL", "ACTIVE", "2026-11-21T08:00:00Z");

        assertThat(deviceIds("/alerts?status=ACTIVE,ACKNOWLEDGED&severity=CRITICAL")).containsExactly("oven-2");
        assertThat(deviceIds("/alerts?groupId=ovens&from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z")).containsExactly("oven-2");
        assertThat(deviceIds("/alerts?deviceId=oven-1&from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z")).containsExactly("oven-1");
        TestApi.Response bad = server.call("GET", "/alerts?status=OPEN&from=yesterday", org.viewerToken(), null);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().get("error").get("details")).hasSize(2);
    }

    @Test
    void acknowledgeAndResolveRecordWhoAndWhyAndRefuseImpossibleSteps() throws Exception {
        UUID id = insertAlert("oven-1", "r-ack", "MAJOR", "ACTIVE", "2026-11-22T08:00:00Z");

        assertThat(server.call("POST", "/alerts/" + id + "/acknowledge", org.viewerToken(), null).status()).isEqualTo(403);
        TestApi.Response acknowledged = server.call("POST", "/alerts/" + id + "/acknowledge", org.operatorToken(),
                Map.of("comment", "looking at the door seal"));
        assertThat(acknowledged.status()).isEqualTo(200);
        assertThat(acknowledged.data().get("status").asText()).isEqualTo("ACKNOWLEDGED");
        assertThat(acknowledged.data().get("acknowledgedBy").asText()).isEqualTo("operator@" + ALERT_ORG + ".test");
        assertThat(server.call("POST", "/alerts/" + id + "/acknowledge", org.operatorToken(), null).status()).isEqualTo(422);

        TestApi.Response resolved = server.call("POST", "/alerts/" + id + "/resolve", org.operatorToken(), Map.of("comment", "seal replaced"));
        assertThat(resolved.data().get("status").asText()).isEqualTo("RESOLVED");
        assertThat(resolved.data().get("comment").asText()).isEqualTo("seal replaced");
        assertThat(server.call("POST", "/alerts/" + id + "/resolve", org.operatorToken(), null).status()).isEqualTo(422);
        // Every write attempt is audited, refused ones too, with who tried.
        assertThat(server.database.query("SELECT a.status, u.email FROM api_audit a JOIN users u ON u.id = a.user_id"
                        + " WHERE a.path LIKE '/api/v1/alerts/" + id + "/%' ORDER BY a.id"))
                .extracting(row -> row.get("status") + " " + row.get("email")).containsExactly("403 viewer@" + ALERT_ORG + ".test",
                        "200 operator@" + ALERT_ORG + ".test", "422 operator@" + ALERT_ORG + ".test", "200 operator@" + ALERT_ORG + ".test",
                        "422 operator@" + ALERT_ORG + ".test");
    }

    @Test
    void everyCommentIsKeptWithWhoAndWhenAndReturnedInOrderByTheAlert() throws Exception {
        UUID id = insertAlert("oven-2", "r-comments", "MAJOR", "ACTIVE", "2026-11-23T08:00:00Z");
        assertThat(server.call("POST", "/alerts/" + id + "/acknowledge", org.operatorToken(),
                Map.of("comment", "looking at the door seal")).status()).isEqualTo(200);
        assertThat(server.call("POST", "/alerts/" + id + "/resolve", org.adminToken(), Map.of("comment", "seal replaced"))
                .status()).isEqualTo(200);

        JsonNode comments = server.call("GET", "/alerts/" + id, org.viewerToken(), null).data().get("comments");
        assertThat(comments).extracting(comment -> comment.get("by").asText() + ": " + comment.get("text").asText())
                .containsExactly("operator@" + ALERT_ORG + ".test: looking at the door seal",
                        "admin@" + ALERT_ORG + ".test: seal replaced");
        Instant first = Instant.parse(comments.get(0).get("at").asText());
        assertThat(Instant.parse(comments.get(1).get("at").asText())).isAfterOrEqualTo(first);
        assertThat(first).isCloseTo(Instant.now(), within(1, ChronoUnit.MINUTES));
    }

    @Test
    void liveAlertsReachOnlyTheirOrganisationsSockets() throws Exception {
        SocketListener mine = SocketListener.connect(server, "?token=" + org.viewerToken());
        SocketListener theirs = SocketListener.connect(server, "");
        theirs.socket.sendText("{\"token\":\"" + other.viewerToken() + "\"}", true);
        assertThat(mine.next(t -> t.get("type").asText().equals("authenticated"))).isPresent();
        assertThat(theirs.next(t -> t.get("type").asText().equals("authenticated"))).isPresent();

        AlertEvent opened = new AlertEvent(UUID.randomUUID().toString(), new DeviceRef(ALERT_ORG, "oven-1"), "r-live",
                "temperature", Severity.MAJOR, AlertStatus.ACTIVE, AlertTransition.OPENED, Instant.now(), Instant.now(),
                Optional.of(91.0), Optional.of(91.0), Optional.empty());
        server.kafka.produce(Topics.ALERTS, ALERT_ORG + "/oven-1", RecordJson.write(opened));

        JsonNode pushed = mine.next(t -> t.get("type").asText().equals("alert")).orElseThrow();
        assertThat(pushed.get("data").get("alertId").asText()).isEqualTo(opened.alertId());
        assertThat(mine.next(t -> t.get("type").asText().equals("heartbeat"))).as("heartbeat").isPresent();
        assertThat(theirs.next(t -> t.get("type").asText().equals("alert"))).as("another organisation's socket").isEmpty();

        // Firmware update steps of the device-lifecycle job go the same way, as "ota" messages.
        server.kafka.produce(Topics.ALERTS, ALERT_ORG + "/oven-1", RecordJson.write(new io.plantline.model.OtaTargetEvent(
                "rollout-1", new DeviceRef(ALERT_ORG, "oven-1"), "DOWNLOADING", Optional.empty(), Optional.of(40), Instant.now())));
        JsonNode step = mine.next(t -> t.get("type").asText().equals("ota")).orElseThrow();
        assertThat(step.get("data").get("state").asText()).isEqualTo("DOWNLOADING");
        assertThat(step.get("data").get("progress").asInt()).isEqualTo(40);
        assertThat(theirs.next(t -> t.get("type").asText().equals("ota"))).as("another organisation's socket").isEmpty();

        UUID id = insertAlert("oven-1", "r-live-ack", "MAJOR", "ACTIVE", "2026-11-22T09:00:00Z");
        server.call("POST", "/alerts/" + id + "/acknowledge", org.operatorToken(), null);
        JsonNode acknowledged = mine.next(t -> t.get("type").asText().equals("alert")
                && t.get("data").get("transition").asText().equals("ACKNOWLEDGED")).orElseThrow();
        assertThat(acknowledged.get("data").get("by").asText()).isEqualTo("operator@" + ALERT_ORG + ".test");
    }

    @Test
    void socketsWithoutAValidTokenOrGoneQuietAreClosed() throws Exception {
        SocketListener forged = SocketListener.connect(server, "?token=forged");
        assertThat(forged.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1008);

        SocketListener silent = SocketListener.connect(server, "");
        assertThat(silent.closed.get(10, TimeUnit.SECONDS)).as("no token within the idle timeout").isEqualTo(1008);
    }

    /**
     * Issue 18, item 4: a socket is authorised again at every heartbeat, so it closes once its token expires or its
     * user is disabled; a client that sends a fresh token in time keeps it. On a server of its own, whose clock the
     * test moves.
     */
    @Test
    void aSocketClosesWhenItsTokenExpiresOrItsUserIsDisabledAndLivesOnWithAFreshOne() throws Exception {
        try (TestApi own = TestApi.start(server.database, server.kafka, "--ws-heartbeat-s=1", "--ws-idle-timeout-s=30")) {
            TestApi.Org plant = own.organisation(TestApi.uniqueSlug("ws-auth"));

            SocketListener viewer = SocketListener.connect(own, "?token=" + plant.viewerToken());
            assertThat(viewer.next(message -> message.path("type").asText().equals("authenticated"))).isPresent();
            String viewerId = own.call("GET", "/users/me", plant.viewerToken(), null).data().get("id").asText();
            assertThat(own.call("PATCH", "/users/" + viewerId, plant.adminToken(), Map.of("disabled", true)).status())
                    .isEqualTo(200);
            assertThat(viewer.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(viewer.closeReason).contains("disabled");

            SocketListener expiring = SocketListener.connect(own, "?token=" + plant.operatorToken());
            SocketListener renewed = SocketListener.connect(own, "?token=" + plant.adminToken());
            assertThat(renewed.next(message -> message.path("type").asText().equals("authenticated"))).isPresent();
            own.clock.advance(Duration.ofMinutes(10));
            String fresh = own.login("admin@" + plant.slug() + ".test", TestApi.PASSWORD).data().get("accessToken").asText();
            renewed.socket.sendText("{\"token\":\"" + fresh + "\"}", true).join();
            own.clock.advance(Duration.ofMinutes(6));      // the first tokens have expired (15 min), the fresh one not

            assertThat(expiring.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(expiring.closeReason).contains("expired");
            assertThat(renewed.next(message -> message.path("type").asText().equals("heartbeat"))).isPresent();
            assertThat(renewed.closed).isNotDone();
        }
    }

    private static List<String> deviceIds(String query) {
        return server.call("GET", query, org.viewerToken(), null).data().findValuesAsText("deviceId");
    }

    private static UUID insertAlert(String device, String rule, String severity, String status, String openedAt) throws Exception {
        UUID id = UUID.randomUUID();
        server.database.execute("INSERT INTO alerts (id, org_slug, device_id, rule_id, metric, severity, status, opened_at, cleared_at)"
                + " VALUES ('" + id + "', '" + ALERT_ORG + "', '" + device + "', '" + rule + "', 'temperature', '" + severity + "', '"
                + status + "', '" + openedAt + "', " + (status.equals("CLEARED") ? "'" + openedAt + "'::timestamptz + interval '1 minute'" : "NULL") + ")");
        return id;
    }
}
