package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.ingest.IngestRoutes;
import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceSettings;
import io.plantline.model.IdealCycleTime;
import io.plantline.model.RulesTopicValue;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class DeviceIT {
    /** Unique per run, so records left on a shared Kafka by earlier runs never match. */
    private static final String DEVICE_ORG = TestApi.uniqueSlug("device-org");


    private static TestApi server;
    private static TestApi.Org org;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) {
        server = TestApi.start(database, kafka);
        org = server.organisation(DEVICE_ORG);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aNewDeviceGetsItsWriteKeyOnceStoredHashedAndItsSettingsReachTheJobs() throws Exception {
        TestApi.Response created = server.call("POST", "/devices", org.adminToken(), Map.of("deviceId", "cnc-7",
                "name", "CNC 7", "hardwareModel", "hx-200", "idealCycleSeconds", 12.5, "metadata", Map.of("line", "L1")));

        assertThat(created.status()).isEqualTo(201);
        String key = created.data().get("writeKey").asText();
        assertThat(key).startsWith("plk_");
        assertThat(created.data().get("device").get("idealCycleSeconds").asDouble()).isEqualTo(12.5);
        assertThat(server.call("GET", "/devices/cnc-7", org.viewerToken(), null).body().toString()).doesNotContain(key);
        assertThat(server.database.query("SELECT write_key_hash FROM devices WHERE device_id = 'cnc-7'").get(0)
                .get("write_key_hash").toString()).hasSize(64).doesNotContain(key);

        DeviceSettings settings = (DeviceSettings) latestRulesValue(DEVICE_ORG + "/device/cnc-7").orElseThrow();
        assertThat(settings.idealCycle().at(Instant.now())).contains(12.5);
        assertThat(settings.metadata()).containsEntry("line", "L1");
    }

    @Test
    void settingsChangesArePublishedAndReadAtOnceDespiteTheCache() {
        server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "press-2"));
        assertThat(server.call("GET", "/devices/press-2", org.viewerToken(), null).data().get("idealCycleSeconds").isNull()).isTrue();

        TestApi.Response changed = server.call("PUT", "/devices/press-2/settings", org.adminToken(),
                Map.of("idealCycleSeconds", 4.0, "effectiveFrom", "2026-11-23T06:00:00Z"));

        assertThat(changed.status()).isEqualTo(200);
        assertThat(server.call("GET", "/devices/press-2", org.viewerToken(), null).data().get("idealCycleSeconds").asDouble()).isEqualTo(4.0);
        DeviceSettings published = (DeviceSettings) latestRulesValue(DEVICE_ORG + "/device/press-2").orElseThrow();
        assertThat(published.idealCycle().periods()).containsExactly(new IdealCycleTime(
                Instant.parse("2026-11-23T06:00:00Z"), Optional.of(4.0)));
        assertThat(server.call("PUT", "/devices/press-2/settings", org.operatorToken(), Map.of()).status())
                .as("settings are an admin's").isEqualTo(403);
    }

    /** Issue 16, item 1: the value a device is created with is superseded by a later write effective before it. */
    @Test
    void theLatestWriteDecidesFromItsEffectiveTimeOnInTheApiAndOnTheTopicAlike() {
        server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "press-3"));
        String anHourAgo = Instant.now().minus(Duration.ofHours(1)).toString();
        String inAnHour = Instant.now().plus(Duration.ofHours(1)).toString();

        server.call("PUT", "/devices/press-3/settings", org.adminToken(), Map.of("idealCycleSeconds", 2, "effectiveFrom", anHourAgo));
        server.call("PUT", "/devices/press-3/settings", org.adminToken(), Map.of("idealCycleSeconds", 3, "effectiveFrom", inAnHour));

        JsonNode device = server.call("GET", "/devices/press-3", org.viewerToken(), null).data();
        assertThat(device.get("idealCycleSeconds").asDouble()).as("in force now").isEqualTo(2.0);
        assertThat(device.get("idealCycleSchedule").toString()).contains("\"idealCycleSeconds\":2.0", "\"idealCycleSeconds\":3.0");
        DeviceSettings published = (DeviceSettings) latestRulesValue(DEVICE_ORG + "/device/press-3").orElseThrow();
        assertThat(published.idealCycle().at(Instant.now())).contains(2.0);
        assertThat(published.idealCycle().at(Instant.parse(inAnHour))).contains(3.0);

        // A write effective two hours ago replaces both.
        server.call("PUT", "/devices/press-3/settings", org.adminToken(), Map.of("idealCycleSeconds", 5,
                "effectiveFrom", Instant.now().minus(Duration.ofHours(2)).toString()));
        assertThat(server.call("GET", "/devices/press-3", org.viewerToken(), null).data().get("idealCycleSchedule"))
                .hasSize(1);
        assertThat(((DeviceSettings) latestRulesValue(DEVICE_ORG + "/device/press-3").orElseThrow()).idealCycle()
                .at(Instant.parse(inAnHour))).contains(5.0);
    }

    @Test
    void listsFilterAndPage() {
        for (int i = 0; i < 5; i++) {
            server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "sensor-" + i));
        }
        server.call("POST", "/devices/sensor-3/disable", org.operatorToken(), null);
        server.call("POST", "/devices/group", org.operatorToken(), Map.of("name", "Sensors", "deviceIds", List.of("sensor-1", "sensor-2")));

        TestApi.Response page = server.call("GET", "/devices?pageSize=2&page=2", org.viewerToken(), null);
        assertThat(page.body().get("pagination").get("pageSize").asInt()).isEqualTo(2);
        assertThat(page.body().get("pagination").get("page").asInt()).isEqualTo(2);
        assertThat(page.data()).hasSize(2);
        assertThat(ids(server.call("GET", "/devices?status=disabled", org.viewerToken(), null))).filteredOn(id -> id.startsWith("sensor-"))
                .containsExactly("sensor-3");
        assertThat(ids(server.call("GET", "/devices?group=sensors", org.viewerToken(), null))).containsExactly("sensor-1", "sensor-2");
        assertThat(ids(server.call("GET", "/devices?online=true", org.viewerToken(), null))).isEmpty();
        TestApi.Response bad = server.call("GET", "/devices?pageSize=100000&online=maybe&status=gone", org.viewerToken(), null);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().get("error").get("details")).hasSize(3);
    }

    /** {@code search}: part of the id or the name, in any case; % and _ are only themselves. */
    @Test
    void devicesAreSearchedByPartOfTheirIdOrName() {
        for (String[] device : List.of(new String[] {"kiln-a", "Big Kiln"}, new String[] {"kiln-b", "Small kiln"},
                new String[] {"dryer_1", "Kiln dryer"}, new String[] {"dryer-2", "Dryer 100%"})) {
            assertThat(server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", device[0], "name", device[1]))
                    .status()).isEqualTo(201);
        }
        assertThat(ids(server.call("GET", "/devices?search=KILN", org.viewerToken(), null)))
                .containsExactly("dryer_1", "kiln-a", "kiln-b");
        TestApi.Response paged = server.call("GET", "/devices?search=kiln&pageSize=2&page=2", org.viewerToken(), null);
        assertThat(ids(paged)).containsExactly("kiln-b");
        assertThat(paged.body().get("pagination").get("total").asInt()).isEqualTo(3);
        assertThat(ids(server.call("GET", "/devices?search=r_1", org.viewerToken(), null))).containsExactly("dryer_1");
        assertThat(ids(server.call("GET", "/devices?search=100%25", org.viewerToken(), null))).containsExactly("dryer-2");
        assertThat(ids(server.call("GET", "/devices?search=%25", org.viewerToken(), null))).containsExactly("dryer-2");
        assertThat(server.call("GET", "/devices?search=" + "k".repeat(201), org.viewerToken(), null).status()).isEqualTo(400);
    }

    @Test
    void hostileInputIsRefusedWithEveryProblemAndChangesNothing() throws Exception {
        TestApi.Response injection = server.call("POST", "/devices", org.operatorToken(),
                Map.of("deviceId", "x'; DROP TABLE devices; --", "name", "n".repeat(5000), "idealCycleSeconds", "fast"));
        assertThat(injection.status()).isEqualTo(400);
        assertThat(injection.body().get("error").get("details")).extracting(Object::toString).asString()
                .contains("deviceId must match", "name must be at most 200", "idealCycleSeconds must be a finite number");

        assertThat(server.call("POST", "/devices", org.operatorToken(), "{\"deviceId\": ").status()).isEqualTo(400);
        assertThat(server.call("POST", "/devices", org.operatorToken(), "[1, 2]").status()).isEqualTo(400);
        assertThat(server.call("POST", "/devices", org.operatorToken(), "{\"deviceId\":\"a\",\"deviceId\":\"b\"}").status()).isEqualTo(400);
        assertThat(server.call("GET", "/devices/x'%20OR%20'1'='1", org.viewerToken(), null).status()).isEqualTo(404);
        TestApi.Response huge = server.call("POST", "/devices", org.operatorToken(), "{\"name\":\"" + "x".repeat(2 << 20) + "\"}");
        assertThat(huge.status()).isEqualTo(413);
        assertThat(huge.errorCode()).isEqualTo("payload_too_large");
        assertThat(server.database.query("SELECT count(*) AS n FROM devices").get(0).get("n")).isNotNull();
        assertThat(server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "twin")).status()).isEqualTo(201);
        assertThat(server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "twin")).status()).isEqualTo(409);
    }

    @Test
    void httpIngestionRoutesLikeTheBridgeAndDeadLettersWhatItRefuses() throws Exception {
        String key = server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "gateway-1")).data().get("writeKey").asText();
        String reading = "{\"ts\":\"2026-11-23T10:00:00Z\",\"metrics\":{\"temperature\":71.5}}";

        TestApi.Response accepted = server.call("POST", "/ingest/gateway-1/telemetry", null, reading, Map.of("X-Device-Key", key));
        assertThat(accepted.status()).isEqualTo(202);
        assertThat(accepted.data().get("topic").asText()).isEqualTo(Topics.TELEMETRY);
        assertThat(records(Topics.TELEMETRY, DEVICE_ORG + "/gateway-1")).singleElement().satisfies(record ->
                assertThat(new String(record.value(), StandardCharsets.UTF_8)).contains("71.5"));

        TestApi.Response nan = server.call("POST", "/ingest/gateway-1/telemetry", null,
                "{\"ts\":\"2026-11-23T10:00:01Z\",\"metrics\":{\"temperature\":NaN}}", Map.of("X-Device-Key", key));
        assertThat(nan.status()).isEqualTo(400);
        assertThat(nan.errorCode()).isEqualTo("rejected_non_finite_value");
        DeadLetter letter = RecordJson.readDeadLetter(records(Topics.DEAD_LETTER, DEVICE_ORG + "/gateway-1").get(0).value());
        assertThat(letter.reason()).isEqualTo("non_finite_value");
        assertThat(letter.source()).isEqualTo("api");

        assertThat(server.call("POST", "/ingest/gateway-1/telemetry", null, reading, Map.of("X-Device-Key", key + "x")).status()).isEqualTo(401);
        assertThat(server.call("POST", "/ingest/gateway-1/telemetry", null, reading).status()).isEqualTo(401);
        assertThat(server.call("POST", "/ingest/gateway-1/weather", null, reading, Map.of("X-Device-Key", key)).status()).isEqualTo(404);
        String rotated = server.call("POST", "/devices/gateway-1/write-key", org.operatorToken(), null).data().get("writeKey").asText();
        assertThat(server.call("POST", "/ingest/gateway-1/telemetry", null, reading, Map.of("X-Device-Key", key)).status())
                .as("the old key stops working").isEqualTo(401);
        server.call("POST", "/devices/gateway-1/disable", org.operatorToken(), null);
        assertThat(server.call("POST", "/ingest/gateway-1/telemetry", null, reading, Map.of("X-Device-Key", rotated)).status()).isEqualTo(403);
        assertThat(server.database.query("SELECT * FROM api_audit WHERE path LIKE '/api/v1/ingest/%'"))
                .as("device data is not an API change; refusals are dead letters").isEmpty();
    }

    /**
     * Issue 21: many messages in one request, each judged on its own: the valid ones reach Kafka, each refused one is
     * a dead letter naming its place in the batch, and the answer counts and lists them.
     */
    @Test
    void aBatchIsJudgedMessageByMessage() throws Exception {
        String key = server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "gateway-batch")).data()
                .get("writeKey").asText();
        String batch = "[{\"ts\":\"2026-11-23T10:00:00Z\",\"metrics\":{\"temperature\":70}},"
                + "{\"ts\":\"2026-11-23T10:00:01Z\",\"metrics\":{\"bad name!\":1}},"
                + "{\"ts\":\"2026-11-23T10:00:02Z\",\"metrics\":{\"temperature\":71}},"
                + "{\"metrics\":{\"temperature\":72}},"
                + "{\"ts\":\"2026-11-23T10:00:04Z\",\"metrics\":{\"temperature\":73}}]";

        TestApi.Response answer = server.call("POST", "/ingest/gateway-batch/telemetry/batch", null, batch,
                Map.of("X-Device-Key", key, "X-Request-Id", "batch-request-1"));

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.data().get("accepted").asInt()).isEqualTo(3);
        assertThat(answer.data().get("refused")).extracting(refusal -> refusal.get("index").asInt() + " "
                + refusal.get("reason").asText()).containsExactly("1 invalid_metric_name", "3 missing_field");
        assertThat(records(Topics.TELEMETRY, DEVICE_ORG + "/gateway-batch")).hasSize(3);
        assertThat(records(Topics.DEAD_LETTER, DEVICE_ORG + "/gateway-batch"))
                .extracting(record -> RecordJson.readDeadLetter(record.value()).origin())
                .containsExactly("plantline/" + DEVICE_ORG + "/gateway-batch/telemetry (batch batch-request-1, message 1)",
                        "plantline/" + DEVICE_ORG + "/gateway-batch/telemetry (batch batch-request-1, message 3)");

        assertThat(server.call("POST", "/ingest/gateway-batch/telemetry/batch", null, "{\"ts\":1}",
                Map.of("X-Device-Key", key)).status()).as("not an array").isEqualTo(400);
        assertThat(server.call("POST", "/ingest/gateway-batch/telemetry/batch", null,
                "[" + "{},".repeat(IngestRoutes.MAX_BATCH) + "{}]", Map.of("X-Device-Key", key)).status())
                .as("too many").isEqualTo(400);
        assertThat(server.call("POST", "/ingest/gateway-batch/weather/batch", null, "[]", Map.of("X-Device-Key", key))
                .status()).isEqualTo(404);
        assertThat(server.call("POST", "/ingest/gateway-batch/telemetry/batch", null, batch,
                Map.of("X-Device-Key", key + "x")).status()).isEqualTo(401);
    }

    @Test
    void deletingADeviceRemovesItsKpiRowsAndSettings() throws Exception {
        server.call("POST", "/devices", org.adminToken(), Map.of("deviceId", "old-1", "idealCycleSeconds", 3));
        server.database.execute("CALL upsert_telemetry_minute('" + DEVICE_ORG + "', 'old-1', 't', '2026-11-23T10:00:00Z',"
                + " 1, 1, 1, 1, 0)");

        assertThat(server.call("DELETE", "/devices/old-1", org.operatorToken(), null).status()).isEqualTo(403);
        assertThat(server.call("DELETE", "/devices/old-1", org.adminToken(), null).status()).isEqualTo(204);

        assertThat(server.call("GET", "/devices/old-1", org.viewerToken(), null).status()).isEqualTo(404);
        for (String table : List.of("telemetry_1m", "telemetry_1h", "telemetry_1d")) {
            assertThat(server.database.query("SELECT * FROM " + table + " WHERE device_id = 'old-1'")).as(table).isEmpty();
        }
        assertThat(rulesRecords(DEVICE_ORG + "/device/old-1")).last().satisfies(record -> assertThat(record.value()).isNull());
    }

    private static List<String> ids(TestApi.Response response) {
        return response.data().findValuesAsText("deviceId");
    }

    private static List<ConsumerRecord<String, byte[]>> records(String topic, String key) {
        return server.records(topic, key);
    }

    private static List<ConsumerRecord<String, byte[]>> rulesRecords(String key) {
        return records(Topics.RULES, key);
    }

    private static Optional<RulesTopicValue> latestRulesValue(String key) {
        return server.latestRulesValue(key);
    }
}
