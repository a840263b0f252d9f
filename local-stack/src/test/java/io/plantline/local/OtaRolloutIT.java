package io.plantline.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A staged firmware roll-out end to end in the local stack: the API sends update commands through Kafka, the
 * bridge and MQTT to ten simulated machines, which download the image by range, verify it, reboot and report; the
 * device-lifecycle job ends every target. One machine gets a corrupted download, one never answers, and later one
 * comes back on its old version.
 */
class OtaRolloutIT {

    private static final String PASSWORD = "a long local password";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> MACHINES = IntStream.rangeClosed(1, 10)
            .mapToObj(i -> String.format("machine-%02d", i)).toList();

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newHttpClient();
    // Polls once a second: the API allows a user 100 requests a minute.
    private String base;
    private String token;

    @Test
    void tenMachinesEndEightSucceededOneChecksumMismatchOneTimeoutAndARollbackIsDetected() throws Exception {
        LocalStackOptions options = FreePortOptions.of(dataDir,
                "--machines=10", "--groups=2", "--interval-ms=500", "--admin-password=" + PASSWORD, "--ota-sent-timeout-ms=20000");
        try (LocalStack stack = new LocalStack(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            stack.start(options);
            base = "http://127.0.0.1:" + stack.apiPort() + "/api/v1";
            token = call("POST", "/auth/login", Map.of("email", "admin@demo.local", "password", PASSWORD))
                    .path("data").path("accessToken").asText();
            assertThat(stack.faultCommand("ota-fault 3 checksum")).contains("1 machine");
            assertThat(stack.faultCommand("ota-fault 7 silent")).contains("1 machine");
            String firmwareId = upload("2.0.0", 7).path("data").path("firmwareId").asText();

            JsonNode created = call("POST", "/ota/deployments", Map.of("deploymentId", "staged-rollout",
                    "firmwareId", firmwareId, "deviceIds", MACHINES, "policy", Map.of("stageSize", 5,
                            "successThreshold", 0.8, "failureThreshold", 0.1)));
            assertThat(created.path("data").path("summary").path("SENT").asInt()).isEqualTo(5);

            // machine-03's corrupted download is one failure in five sent: beyond 10 %, so the roll-out pauses.
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> deployment().path("status").asText().equals("PAUSED"));
            assertThat(deployment().path("pauseReason").asText()).contains("1 of 5");
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> deployment().path("summary").path("SUCCEEDED").asInt() == 4);
            assertThat(states(stack)).containsEntry("machine-06", "QUEUED");

            assertThat(call("POST", "/ota/deployments/staged-rollout/resume", null).path("data").path("status").asText())
                    .isEqualTo("RUNNING");
            Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> deployment().path("status").asText().equals("COMPLETED"));

            Map<String, String> states = states(stack);
            assertThat(states.values().stream().filter("SUCCEEDED/null"::equals)).hasSize(8);
            assertThat(states).containsEntry("machine-03", "FAILED/checksum_mismatch").containsEntry("machine-07", "FAILED/timeout");
            assertThat(query(stack, "SELECT count(*) FROM devices WHERE org_slug = 'demo' AND firmware_current = '2.0.0'"
                    + " AND firmware_previous = '1.0.0'")).isEqualTo(8);

            // machine-01 comes back from its next update on the version it ran before.
            stack.faultCommand("ota-fault 1 rollback");
            upload("2.1.0", 8);
            String rollout = call("POST", "/ota/deploy", Map.of("version", "2.1.0", "hardwareModel", "simulated-cnc",
                    "devices", List.of("machine-01")))
                    .path("data").path("deploymentId").asText();
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> call("GET", "/ota/deployments/" + rollout, null)
                    .path("data").path("summary").path("FAILED").asInt() == 1);
            assertThat(call("GET", "/ota/deployments/" + rollout + "/targets", null).path("data").get(0).path("reason")
                    .asText()).isEqualTo("rollback_detected");
            assertThat(query(stack, "SELECT count(*) FROM devices WHERE org_slug = 'demo' AND device_id = 'machine-01'"
                    + " AND firmware_current = '2.0.0'")).isEqualTo(1);
        }
    }

    private JsonNode deployment() throws Exception {
        return call("GET", "/ota/deployments/staged-rollout", null).path("data");
    }

    private static Map<String, String> states(LocalStack stack) throws Exception {
        Map<String, String> states = new TreeMap<>();
        try (Connection connection = DriverManager.getConnection(stack.jdbcUrl());
             ResultSet rows = connection.createStatement().executeQuery("SELECT device_id, state, reason FROM ota_targets"
                     + " WHERE deployment_id = 'staged-rollout'")) {
            while (rows.next()) {
                states.put(rows.getString(1), rows.getString(2) + (rows.getString(2).equals("QUEUED") ? "" : "/" + rows.getString(3)));
            }
        }
        return states;
    }

    private static long query(LocalStack stack, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(stack.jdbcUrl());
             ResultSet rows = connection.createStatement().executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private JsonNode upload(String version, long seed) throws Exception {
        byte[] image = new byte[64 * 1024];
        new Random(seed).nextBytes(image);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/ota/firmware?version=" + version
                        + "&hardwareModel=simulated-cnc")).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(image)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body());
    }

    private JsonNode call(String method, String path, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isLessThan(300);
        return JSON.readTree(response.body());
    }
}
