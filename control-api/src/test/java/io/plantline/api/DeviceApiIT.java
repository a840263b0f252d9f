package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.model.DeviceCommand;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What a device reads and reports with its own keys: read keys and their scope, and its configuration's round trip. */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class DeviceApiIT {
    /** Unique per run, so records left on a shared Kafka by earlier runs never match. */
    private static final String ORG = TestApi.uniqueSlug("device-api");

    private static TestApi server;
    private static TestApi.Org org;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) {
        server = TestApi.start(database, kafka);
        org = server.organisation(ORG);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aReadKeyReadsTheDeviceAndItsLatestMinutesButCannotWrite() throws Exception {
        String writeKey = create("reader-1", Map.of("config", Map.of("sampleSeconds", 5), "metadata", Map.of("line", "L1")));
        TestApi.Response issued = server.call("POST", "/devices/reader-1/read-key", org.operatorToken(), null);
        assertThat(issued.status()).isEqualTo(201);
        String readKey = issued.data().get("readKey").asText();
        assertThat(readKey).startsWith("prk_");
        assertThat(issued.data().get("device").get("readKeyPrefix").asText()).isEqualTo(readKey.substring(4, 20));
        assertThat(server.database.query("SELECT read_key_hash FROM devices WHERE device_id = 'reader-1'").get(0)
                .get("read_key_hash")).isNotEqualTo(readKey);

        Instant minute = server.clock.instant().truncatedTo(ChronoUnit.MINUTES);
        server.database.execute("INSERT INTO telemetry_1m (org_slug, device_id, metric, bucket_start, count, min, max, avg, stddev)"
                + " VALUES ('" + ORG + "', 'reader-1', 'temperature', '" + minute.minusSeconds(120) + "', 6, 20, 22, 21, 0.5),"
                + " ('" + ORG + "', 'reader-1', 'temperature', '" + minute.minusSeconds(60) + "', 6, 23, 25, 24, 0.5),"
                + " ('" + ORG + "', 'reader-1', 'pressure', '" + minute.minus(Duration.ofDays(2)) + "', 6, 1, 1, 1, 0)");

        for (String key : List.of(readKey, writeKey)) {
            JsonNode self = server.call("GET", "/device-api/reader-1", null, null, Map.of("X-Device-Key", key)).data();
            assertThat(self.get("config").get("sampleSeconds").asInt()).isEqualTo(5);
            assertThat(self.get("metadata").get("line").asText()).isEqualTo("L1");
            assertThat(self.get("configVersion").asLong()).isEqualTo(1);
        }
        JsonNode latest = server.call("GET", "/device-api/reader-1/readings/latest", null, null,
                Map.of("X-Device-Key", readKey)).data();
        assertThat(latest).singleElement().satisfies(reading -> {
            assertThat(reading.get("metric").asText()).isEqualTo("temperature");
            assertThat(reading.get("minute").asText()).isEqualTo(minute.minusSeconds(60).toString());
            assertThat(reading.get("avg").asDouble()).isEqualTo(24.0);
        });

        TestApi.Response written = server.call("POST", "/ingest/reader-1/telemetry", null,
                Map.of("ts", minute.toString(), "metrics", Map.of("temperature", 21.5)), Map.of("X-Device-Key", readKey));
        assertThat(written.status()).isEqualTo(403);
        assertThat(written.errorCode()).isEqualTo("read_only_key");
        assertThat(server.call("POST", "/device-api/reader-1/config/report", null, Map.of("configVersion", 1, "applied", true),
                Map.of("X-Device-Key", readKey)).errorCode()).isEqualTo("read_only_key");
    }

    @Test
    void aReadKeyIsForItsOwnDeviceAndStopsWhenRotatedOrRevoked() {
        create("reader-2", Map.of());
        create("reader-3", Map.of());
        String first = server.call("POST", "/devices/reader-2/read-key", org.operatorToken(), null).data().get("readKey").asText();
        String other = server.call("POST", "/devices/reader-3/read-key", org.operatorToken(), null).data().get("readKey").asText();

        assertThat(read("reader-2", other).status()).isEqualTo(401);
        assertThat(read("reader-2", Tampered.lastCharacter(first)).status()).isEqualTo(401);
        assertThat(read("reader-2", null).status()).isEqualTo(401);
        assertThat(server.call("POST", "/devices/reader-2/read-key", org.viewerToken(), null).status()).isEqualTo(403);

        String second = server.call("POST", "/devices/reader-2/read-key", org.operatorToken(), null).data().get("readKey").asText();
        assertThat(read("reader-2", first).status()).isEqualTo(401);
        assertThat(read("reader-2", second).status()).isEqualTo(200);

        assertThat(server.call("DELETE", "/devices/reader-2/read-key", org.operatorToken(), null).status()).isEqualTo(204);
        assertThat(read("reader-2", second).status()).isEqualTo(401);
        assertThat(server.call("GET", "/devices/reader-2", org.viewerToken(), null).data().get("readKeyPrefix").isNull()).isTrue();

        assertThat(server.call("POST", "/devices/reader-3/disable", org.operatorToken(), null).status()).isEqualTo(200);
        assertThat(read("reader-3", other).errorCode()).isEqualTo("device_disabled");
    }

    @Test
    void aChangedConfigurationReachesTheDeviceAsACommandAndTheDeviceReportsWhatItApplied() {
        String writeKey = create("configured-1", Map.of("config", Map.of("sampleSeconds", 5)));
        Map<String, String> asDevice = Map.of("X-Device-Key", writeKey);

        assertThat(settings("configured-1", Map.of("sampleSeconds", 5), Map.of("line", "L2")).get("configState").get("version")
                .asLong()).as("metadata alone is not a new configuration").isEqualTo(1);
        JsonNode changed = settings("configured-1", Map.of("sampleSeconds", 2, "unit", "C"), Map.of("line", "L2"));
        assertThat(changed.get("configState").get("version").asLong()).isEqualTo(2);

        List<DeviceCommand> commands = server.kafka.read(Topics.COMMANDS, Integer.MAX_VALUE, Duration.ofSeconds(2)).stream()
                .filter(record -> (ORG + "/configured-1").equals(record.key()))
                .map(record -> RecordJson.readDeviceCommand(record.value())).toList();
        assertThat(commands).extracting(DeviceCommand::type).containsExactly("config.update", "config.update");
        assertThat(commands.get(1).payload()).containsEntry("configVersion", 2)
                .containsEntry("config", Map.of("sampleSeconds", 2, "unit", "C"));
        assertThat(commands.get(0).commandId()).isNotEqualTo(commands.get(1).commandId());

        JsonNode refused = report("configured-1", Map.of("configVersion", 2, "applied", false, "error", "unit C unknown"), asDevice).data();
        assertThat(refused.get("appliedVersion").isNull()).isTrue();
        assertThat(refused.get("lastReport").get("error").asText()).isEqualTo("unit C unknown");

        assertThat(report("configured-1", Map.of("configVersion", 2, "applied", true), asDevice).data().get("appliedVersion").asLong())
                .isEqualTo(2);
        JsonNode late = report("configured-1", Map.of("configVersion", 1, "applied", true), asDevice).data();
        assertThat(late.get("appliedVersion").asLong()).as("a late report of an older version").isEqualTo(2);
        assertThat(server.call("GET", "/devices/configured-1", org.viewerToken(), null).data().get("configState").get("lastReport")
                .get("version").asLong()).isEqualTo(1);

        TestApi.Response never = report("configured-1", Map.of("configVersion", 3, "applied", true), asDevice);
        assertThat(never.status()).isEqualTo(409);
        assertThat(report("configured-1", Map.of("configVersion", 2, "applied", false), asDevice).body().get("error")
                .get("details").toString()).contains("error is required with applied: false");
        assertThat(report("configured-1", Map.of("configVersion", 0, "applied", true), asDevice).status()).isEqualTo(400);
    }

    private static String create(String deviceId, Map<String, Object> settings) {
        Map<String, Object> body = new java.util.HashMap<>(settings);
        body.put("deviceId", deviceId);
        TestApi.Response created = server.call("POST", "/devices", org.adminToken(), body);
        assertThat(created.status()).isEqualTo(201);
        return created.data().get("writeKey").asText();
    }

    private static JsonNode settings(String deviceId, Map<String, Object> config, Map<String, String> metadata) {
        TestApi.Response answer = server.call("PUT", "/devices/" + deviceId + "/settings", org.adminToken(),
                Map.of("config", config, "metadata", metadata));
        assertThat(answer.status()).isEqualTo(200);
        return answer.data();
    }

    private static TestApi.Response read(String deviceId, String key) {
        return server.call("GET", "/device-api/" + deviceId, null, null, key == null ? Map.of() : Map.of("X-Device-Key", key));
    }

    private static TestApi.Response report(String deviceId, Map<String, Object> body, Map<String, String> headers) {
        return server.call("POST", "/device-api/" + deviceId + "/config/report", null, body, headers);
    }
}
