package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.http.Json;
import io.plantline.model.DeviceCommand;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Staged roll-outs through the API: update commands per stage, the next stage on the success threshold, the pause
 * on the failure threshold, resume and cancel. Target states are written here as the device-lifecycle job would.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class RolloutIT {

    private static final List<String> DEVICES = IntStream.rangeClosed(1, 10).mapToObj(i -> "unit-" + i).toList();

    private static TestApi server;
    private static TestApi.Org org;
    private static String firmwareId;
    private static String sha256;
    private static WebhookReceiver receiver;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) throws Exception {
        server = TestApi.start(database, kafka, "--rollout-interval-ms=100", "--public-url=https://plant.example/",
                "--notify-allow-http=true", "--notify-allow-private-destinations=true");
        receiver = new WebhookReceiver();
        org = server.organisation(TestApi.uniqueSlug("rollout-org"));
        for (String device : DEVICES) {
            assertThat(server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", device)).status()).isEqualTo(201);
        }
        byte[] image = new byte[20_000];
        new Random(7).nextBytes(image);
        TestApi.BinaryResponse uploaded = server.binary("POST", "/ota/firmware?version=2.1.0", org.operatorToken(), image,
                Map.of("Content-Type", "application/octet-stream"));
        JsonNode firmware = Json.MAPPER.readTree(uploaded.body()).get("data");
        firmwareId = firmware.get("firmwareId").asText();
        sha256 = firmware.get("sha256").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
        receiver.close();
    }

    @Test
    void aStagedRolloutSendsStageByStagePausesOnFailuresAndCompletesAfterResume() throws Exception {
        TestApi.Response hook = server.call("POST", "/notification-channels", org.adminToken(), Map.of("name", "ota",
                "type", "webhook", "settings", Map.of("url", receiver.url("/ota"))));
        assertThat(server.call("POST", "/notification-subscriptions", org.adminToken(), Map.of("channelId",
                hook.data().get("channelId").asText(), "eventTypes", List.of("rollout.paused", "rollout.completed")))
                .status()).isEqualTo(201);
        TestApi.Response created = server.call("POST", "/ota/deployments", org.operatorToken(), Map.of("deploymentId",
                "staged-1", "firmwareId", firmwareId, "deviceIds", DEVICES, "policy", Map.of("stageSize", 4,
                        "successThreshold", 0.5, "failureThreshold", 0.2)));

        assertThat(created.status()).isEqualTo(201);
        assertThat(created.data().get("stages").asInt()).isEqualTo(3);
        assertThat(created.data().get("summary").get("SENT").asInt()).isEqualTo(4);
        assertThat(created.data().get("summary").get("QUEUED").asInt()).isEqualTo(6);
        assertThat(states("staged-1")).containsEntry("unit-1", "SENT").containsEntry("unit-5", "QUEUED");
        DeviceCommand command = updateCommand("unit-1", "staged-1");
        assertThat(command.type()).isEqualTo("ota.update");
        assertThat(command.payload()).containsEntry("version", "2.1.0").containsEntry("sha256", sha256)
                .containsEntry("sizeBytes", 20_000);
        assertThat(command.payload().get("url").toString()).startsWith("https://plant.example/api/v1/ota/download?token=");
        assertThat(server.database.query("SELECT firmware_target FROM devices WHERE org_slug = '" + org.slug()
                + "' AND device_id = 'unit-1'").get(0)).containsEntry("firmware_target", "2.1.0");

        report("staged-1", List.of("unit-1", "unit-2"), "SUCCEEDED", null);
        awaitState("staged-1", "unit-5", "SENT");
        assertThat(states("staged-1")).containsEntry("unit-8", "SENT").containsEntry("unit-9", "QUEUED");

        report("staged-1", List.of("unit-5"), "FAILED", "checksum_mismatch");
        report("staged-1", List.of("unit-6"), "FAILED", "timeout");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> deployment("staged-1").get("status").asText().equals("PAUSED"));
        assertThat(deployment("staged-1").get("pauseReason").asText()).contains("2 of 8");
        JsonNode paused = rolloutMessage("staged-1", "rollout.paused");
        assertThat(paused.get("data").get("reason").asText()).contains("2 of 8");
        report("staged-1", List.of("unit-3", "unit-4", "unit-7", "unit-8"), "SUCCEEDED", null);
        // Over several driver passes (every 100 ms) a paused roll-out starts no stage.
        Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .until(() -> "QUEUED".equals(states("staged-1").get("unit-9")));

        TestApi.Response resumed = server.call("POST", "/ota/deployments/staged-1/resume", org.operatorToken(), null);
        assertThat(resumed.status()).isEqualTo(200);
        assertThat(resumed.data().get("failuresAccepted").asInt()).isEqualTo(2);
        awaitState("staged-1", "unit-9", "SENT");
        report("staged-1", List.of("unit-9", "unit-10"), "SUCCEEDED", null);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> deployment("staged-1").get("status").asText().equals("COMPLETED"));
        JsonNode summary = deployment("staged-1").get("summary");
        assertThat(summary.get("SUCCEEDED").asInt()).isEqualTo(8);
        assertThat(summary.get("FAILED").asInt()).isEqualTo(2);
        JsonNode completed = rolloutMessage("staged-1", "rollout.completed");
        assertThat(completed.get("summary").asText()).isEqualTo("roll-out staged-1 completed: 8 of 10 devices updated, 2 failed");
        assertThat(completed.get("link").asText()).isEqualTo("https://plant.example/#/rollouts/staged-1");

        TestApi.Response failed = server.call("GET", "/ota/deployments/staged-1/targets?state=FAILED", org.viewerToken(), null);
        assertThat(failed.body().get("pagination").get("total").asInt()).isEqualTo(2);
        assertThat(failed.data().toString()).contains("checksum_mismatch", "timeout");
        assertThat(server.call("POST", "/ota/deployments/staged-1/pause", org.operatorToken(), null).status()).isEqualTo(422);
    }

    @Test
    void cancellingEndsOpenTargetsAndTellsTheirDevices() {
        server.call("POST", "/ota/deployments", org.operatorToken(), Map.of("deploymentId", "cancel-1", "firmwareId",
                firmwareId, "deviceIds", List.of("unit-1", "unit-2", "unit-3"), "policy", Map.of("stageSize", 2)));
        report("cancel-1", List.of("unit-1"), "SUCCEEDED", null);
        assertThat(server.call("POST", "/ota/deployments/cancel-1/pause", org.operatorToken(), null).data()
                .get("status").asText()).isEqualTo("PAUSED");

        TestApi.Response cancelled = server.call("POST", "/ota/deployments/cancel-1/cancel", org.operatorToken(), null);

        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.data().get("status").asText()).isEqualTo("CANCELLED");
        assertThat(states("cancel-1")).isEqualTo(Map.of("unit-1", "SUCCEEDED", "unit-2", "FAILED", "unit-3", "FAILED"));
        assertThat(commands("unit-2").stream().filter(c -> c.type().equals("ota.cancel"))).isNotEmpty();
        assertThat(server.call("POST", "/ota/deployments/cancel-1/resume", org.operatorToken(), null).status()).isEqualTo(422);
        assertThat(server.call("DELETE", "/ota/firmware/" + firmwareId, org.operatorToken(), null).status()).isEqualTo(409);
    }

    @Test
    void theShortFormDeploysAVersionAndRequestsAreChecked() {
        TestApi.Response quick = server.call("POST", "/ota/deploy", org.operatorToken(), Map.of("version", "2.1.0",
                "devices", List.of("unit-9", "unit-10")));
        assertThat(quick.status()).isEqualTo(201);
        assertThat(quick.data().get("summary").get("SENT").asInt()).isEqualTo(2);

        assertThat(server.call("POST", "/ota/deploy", org.operatorToken(), Map.of("version", "9.9.9", "devices",
                List.of("unit-1"))).status()).isEqualTo(404);
        TestApi.Response unknownDevice = server.call("POST", "/ota/deployments", org.operatorToken(), Map.of("firmwareId",
                firmwareId, "deviceIds", List.of("unit-1", "ghost")));
        assertThat(unknownDevice.status()).isEqualTo(400);
        assertThat(unknownDevice.body().toString()).contains("unknown device: ghost");
        assertThat(server.call("POST", "/ota/deployments", org.operatorToken(), Map.of("firmwareId", firmwareId,
                "deviceIds", List.of("unit-1"), "policy", Map.of("stageSize", 2, "stagePercent", 50))).status()).isEqualTo(400);
        assertThat(server.call("POST", "/ota/deployments", org.viewerToken(), Map.of("firmwareId", firmwareId,
                "deviceIds", List.of("unit-1"))).status()).isEqualTo(403);
        TestApi.Org stranger = server.organisation(TestApi.uniqueSlug("rollout-stranger"));
        assertThat(server.call("GET", "/ota/deployments/" + quick.data().get("deploymentId").asText(),
                stranger.adminToken(), null).status()).isEqualTo(404);
        assertThat(server.call("POST", "/ota/deployments", stranger.operatorToken(), Map.of("firmwareId", firmwareId,
                "deviceIds", List.of("unit-1"))).status()).isEqualTo(404);
    }

    @Test
    void aRolloutToDevicesOfAnotherHardwareModelIsRefused() {
        assertThat(server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "oven-model-1",
                "hardwareModel", "oven-x")).status()).isEqualTo(201);

        TestApi.Response refused = server.call("POST", "/ota/deployments", org.operatorToken(), Map.of("deploymentId",
                "wrong-model", "firmwareId", firmwareId, "deviceIds", List.of("unit-1", "oven-model-1")));
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.errorCode()).isEqualTo("hardware_model_mismatch");
        assertThat(refused.body().get("error").get("details").toString()).contains("oven-model-1").doesNotContain("unit-1");
        assertThat(server.call("GET", "/ota/deployments/wrong-model", org.operatorToken(), null).status()).isEqualTo(404);
        assertThat(server.call("POST", "/ota/deploy", org.operatorToken(), Map.of("version", "2.1.0",
                "devices", List.of("oven-model-1"))).status()).as("the short form too").isEqualTo(422);
    }

    /**
     * Issue 21: a device that polls asks whether an update is assigned to it, with its write key, and gets what the
     * ota.update command says (a fresh signed link), until its update has ended.
     */
    @Test
    void aPollingDeviceAsksForItsUpdateWithItsWriteKey() {
        String key = server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "poller-1")).data()
                .get("writeKey").asText();
        String other = server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "poller-2")).data()
                .get("writeKey").asText();
        Map<String, String> asPoller = Map.of("X-Device-Key", key);
        assertThat(server.call("GET", "/device-api/poller-1/firmware", null, null, asPoller).body().toString())
                .isEqualTo("{\"data\":{\"update\":null}}");

        server.call("POST", "/ota/deployments", org.operatorToken(), Map.of("deploymentId", "poll-1", "firmwareId",
                firmwareId, "deviceIds", List.of("poller-1")));
        awaitState("poll-1", "poller-1", "SENT");
        JsonNode update = server.call("GET", "/device-api/poller-1/firmware", null, null, asPoller).data().get("update");
        assertThat(update.get("deploymentId").asText()).isEqualTo("poll-1");
        assertThat(update.get("version").asText()).isEqualTo("2.1.0");
        assertThat(update.get("sizeBytes").asLong()).isEqualTo(20_000);
        assertThat(update.get("sha256").asText()).isEqualTo(sha256);
        assertThat(update.get("url").asText()).startsWith("https://plant.example/api/v1/ota/download");
        assertThat(update.get("urlExpiresAt").asText()).isNotEmpty();

        assertThat(server.call("GET", "/device-api/poller-2/firmware", null, null, Map.of("X-Device-Key", other)).data()
                .get("update").isNull()).as("another device's update is not its own").isTrue();
        assertThat(server.call("GET", "/device-api/poller-1/firmware", null, null, Map.of("X-Device-Key", other))
                .status()).as("another device's key").isEqualTo(401);
        assertThat(server.call("GET", "/device-api/poller-1/firmware", null, null).status()).isEqualTo(401);
        String readKey = server.call("POST", "/devices/poller-1/read-key", org.operatorToken(), null).data()
                .get("readKey").asText();
        TestApi.Response byReadKey = server.call("GET", "/device-api/poller-1/firmware", null, null,
                Map.of("X-Device-Key", readKey));
        assertThat(byReadKey.status()).as("a read key gets no download link").isEqualTo(403);
        assertThat(byReadKey.errorCode()).isEqualTo("read_only_key");

        report("poll-1", List.of("poller-1"), "SUCCEEDED", null);
        assertThat(server.call("GET", "/device-api/poller-1/firmware", null, null, asPoller).data().get("update").isNull())
                .as("an update that ended is no longer assigned").isTrue();
    }

    @Test
    void devicesReportProgressOverHttpWithTheirWriteKey() {
        TestApi.Response device = server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "http-unit"));
        String key = device.data().get("writeKey").asText();
        TestApi.Response accepted = server.call("POST", "/ota/reportStatus", null, Map.of("deviceId", "http-unit",
                "deploymentId", "staged-x", "status", "DOWNLOADING", "progress", 40), Map.of("X-Device-Key", key));

        assertThat(accepted.status()).isEqualTo(202);
        assertThat(server.kafka.read(Topics.DEVICE_EVENTS, Integer.MAX_VALUE, Duration.ofSeconds(2)).stream()
                .filter(record -> record.key().equals(org.slug() + "/http-unit"))
                .map(record -> new String(record.value(), java.nio.charset.StandardCharsets.UTF_8)))
                .singleElement().asString().contains("\"deploymentId\":\"staged-x\"", "\"status\":\"DOWNLOADING\"");
        assertThat(server.call("POST", "/ota/reportStatus", null, Map.of("deviceId", "http-unit", "deploymentId", "x",
                "status", "EXPLODED"), Map.of("X-Device-Key", key)).status()).isEqualTo(400);
        assertThat(server.call("POST", "/ota/reportStatus", null, Map.of("deviceId", "http-unit", "deploymentId", "x",
                "status", "SUCCEEDED"), Map.of("X-Device-Key", key + "x")).status()).isEqualTo(401);
    }

    /** The webhook message of this type about this roll-out, once it arrived. */
    private static JsonNode rolloutMessage(String deploymentId, String type) {
        return Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/ota").stream()
                .map(request -> Json.read(request.body(), JsonNode.class))
                .filter(message -> message.get("type").asText().equals(type)
                        && message.get("data").get("deploymentId").asText().equals(deploymentId))
                .findFirst(), java.util.Optional::isPresent).orElseThrow();
    }

    /** What the device-lifecycle job writes when a device reports. */
    private static void report(String deploymentId, List<String> devices, String state, String reason) {
        try {
            server.database.execute("UPDATE ota_targets SET state = '" + state + "', reason = " + (reason == null ? "NULL"
                    : "'" + reason + "'") + ", updated_at = now() WHERE org_slug = '" + org.slug() + "' AND deployment_id = '"
                    + deploymentId + "' AND device_id IN ('" + String.join("','", devices) + "')");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> states(String deploymentId) {
        TestApi.Response targets = server.call("GET", "/ota/deployments/" + deploymentId + "/targets?pageSize=100",
                org.viewerToken(), null);
        Map<String, String> states = new java.util.TreeMap<>();
        targets.data().forEach(target -> states.put(target.get("deviceId").asText(), target.get("state").asText()));
        return states;
    }

    private static void awaitState(String deploymentId, String device, String state) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> state.equals(states(deploymentId).get(device)));
    }

    private static JsonNode deployment(String deploymentId) {
        return server.call("GET", "/ota/deployments/" + deploymentId, org.viewerToken(), null).data();
    }

    private static List<DeviceCommand> commands(String device) {
        return server.kafka.read(Topics.COMMANDS, Integer.MAX_VALUE, Duration.ofSeconds(2)).stream()
                .filter(record -> record.key().equals(org.slug() + "/" + device))
                .map(record -> RecordJson.readDeviceCommand(record.value())).toList();
    }

    private static DeviceCommand updateCommand(String device, String deploymentId) {
        return commands(device).stream().filter(c -> c.type().equals("ota.update")
                && deploymentId.equals(c.payload().get("deploymentId"))).findFirst().orElseThrow();
    }
}
