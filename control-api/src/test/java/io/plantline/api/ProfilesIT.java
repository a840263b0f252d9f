package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceProfile;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Device profiles: managed by admins, assigned to devices, holding their readings at HTTP ingestion and their config. */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class ProfilesIT {
    private static final String ORG = TestApi.uniqueSlug("profiles");
    private static final Map<String, Object> PRESS = Map.of("name", "Hydraulic press",
            "metrics", List.of(Map.of("name", "temperature", "unit", "°C", "min", 0, "max", 250),
                    Map.of("name", "pressure", "unit", "bar")),
            "configFields", List.of(Map.of("name", "sampleSeconds", "type", "number", "defaultValue", 5),
                    Map.of("name", "mode", "type", "string")),
            "metadataFields", List.of(Map.of("name", "line", "defaultValue", "L1")));

    private static TestApi server;
    private static TestApi.Org org;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) {
        server = TestApi.start(database, kafka);
        org = server.organisation(ORG);
        assertThat(server.call("POST", "/profiles", org.adminToken(), profile("press")).status()).isEqualTo(201);
        assertThat(server.call("POST", "/profiles", org.adminToken(), profile("stamping")).status()).isEqualTo(201);
    }

    private static Map<String, Object> profile(String profileId) {
        Map<String, Object> profile = new java.util.HashMap<>(PRESS);
        profile.put("profileId", profileId);
        return profile;
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void adminsManageProfilesEveryoneReadsThemAndEachProblemIsNamed() {
        JsonNode shown = server.call("GET", "/profiles/press", org.viewerToken(), null).data();
        assertThat(shown.get("metrics").findValuesAsText("unit")).containsExactly("°C", "bar");
        assertThat(shown.get("outsideProfile").asText()).isEqualTo("reject");
        assertThat(server.call("GET", "/profiles", org.viewerToken(), null).data().findValuesAsText("profileId")).contains("press");
        assertThat(server.call("POST", "/profiles", org.operatorToken(), Map.of("profileId", "x", "name", "x")).status())
                .isEqualTo(403);
        assertThat(server.call("POST", "/profiles", org.adminToken(), profile("press")).status()).isEqualTo(409);

        TestApi.Response refused = server.call("POST", "/profiles", org.adminToken(), Map.of("profileId", "bad", "name", "Bad",
                "metrics", List.of(Map.of("name", "t", "min", 5, "max", 1), Map.of("name", "no spaces allowed")),
                "configFields", List.of(Map.of("name", "n", "type", "date"), Map.of("name", "m", "type", "number", "defaultValue", "x")),
                "outsideProfile", "ignore"));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().get("error").get("details").toString()).contains("metrics.t: min must not be above max",
                "metrics: each needs a name", "configFields.n.type", "configFields.m.defaultValue must be a number", "outsideProfile");

        TestApi.Response stranger = server.call("GET", "/profiles/press",
                server.organisation(TestApi.uniqueSlug("profiles-other")).adminToken(), null);
        assertThat(stranger.status()).as("another organisation's profile").isEqualTo(404);
    }

    @Test
    void aDeviceOnAProfileHasItsReadingsHeldToItAndItsConfigCompleted() throws Exception {
        String key = device("press-1");
        TestApi.Response assigned = server.call("PATCH", "/devices/press-1", org.operatorToken(), Map.of("profileId", "stamping"));
        assertThat(assigned.status()).as("its empty config lacks mode, which has no default").isEqualTo(400);
        assertThat(assigned.body().get("error").get("details").toString()).contains("config.mode is required by profile stamping");

        TestApi.Response settings = server.call("PUT", "/devices/press-1/settings", org.adminToken(), Map.of("config", Map.of("mode", "auto")));
        assertThat(settings.status()).isEqualTo(200);
        assertThat(server.call("PATCH", "/devices/press-1", org.operatorToken(), Map.of("profileId", "stamping")).data()
                .get("profileId").asText()).isEqualTo("stamping");
        JsonNode written = server.call("PUT", "/devices/press-1/settings", org.adminToken(), Map.of("config", Map.of("mode", "auto")))
                .data();
        assertThat(written.get("config").get("sampleSeconds").asInt()).as("the default filled in").isEqualTo(5);
        assertThat(written.get("metadata").get("line").asText()).as("the default filled in").isEqualTo("L1");
        TestApi.Response wrongType = server.call("PUT", "/devices/press-1/settings", org.adminToken(),
                Map.of("config", Map.of("mode", 3, "colour", "red"), "metadata", Map.of("site", "Berlin")));
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.body().get("error").get("details").toString())
                .contains("config.mode must be a string", "config.colour is not a field of profile stamping",
                        "metadata.site is not a field of profile stamping");

        TestApi.Response inside = ingest("press-1", key, 71.5);
        assertThat(inside.status()).isEqualTo(202);
        TestApi.Response outside = ingest("press-1", key, 251.0);
        assertThat(outside.status()).isEqualTo(400);
        assertThat(outside.errorCode()).isEqualTo("rejected_outside_profile");
        DeadLetter letter = RecordJson.readDeadLetter(records(Topics.DEAD_LETTER, ORG + "/press-1").get(0).value());
        assertThat(letter.reason()).isEqualTo("outside_profile");
        assertThat(letter.detail()).isEqualTo("outside profile stamping: temperature 251.0 is outside [0.0, 250.0]");

        Map<String, Object> flagging = new java.util.HashMap<>(PRESS);
        flagging.put("outsideProfile", "flag");
        assertThat(server.call("PUT", "/profiles/stamping", org.adminToken(), flagging).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> ingest("press-1", key, 252.0).status() == 202);
        assertThat(records(Topics.TELEMETRY, ORG + "/press-1")).last().satisfies(record -> assertThat(new String(
                record.headers().lastHeader(DeviceProfile.OUTSIDE_HEADER).value(), StandardCharsets.UTF_8))
                .contains("temperature 252.0"));

        assertThat(server.call("DELETE", "/profiles/stamping", org.adminToken(), null).status()).as("in use").isEqualTo(409);
    }

    @Test
    void unitsComeWithTheTelemetryOfADeviceOnAProfile() throws Exception {
        device("press-2");
        server.database.execute("UPDATE devices SET profile_id = 'press' WHERE org_slug = '" + ORG + "' AND device_id = 'press-2'");
        Instant minute = server.clock.instant().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
        JsonNode telemetry = server.call("GET", "/telemetry?deviceId=press-2&metric=temperature&from=" + minute + "&to="
                + minute.plus(Duration.ofHours(1)) + "&resolution=1m", org.viewerToken(), null).data();
        assertThat(telemetry.get("unit").asText()).isEqualTo("°C");
        assertThat(server.call("GET", "/telemetry?deviceId=press-2&metric=vibration&from=" + minute + "&to="
                + minute.plus(Duration.ofHours(1)) + "&resolution=1m", org.viewerToken(), null).data().get("unit").isNull()).isTrue();
    }

    private static String device(String deviceId) {
        TestApi.Response created = server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", deviceId));
        assertThat(created.status()).isEqualTo(201);
        return created.data().get("writeKey").asText();
    }

    private static TestApi.Response ingest(String deviceId, String key, double temperature) {
        return server.call("POST", "/ingest/" + deviceId + "/telemetry", null,
                Map.of("ts", Instant.now().toString(), "metrics", Map.of("temperature", temperature)), Map.of("X-Device-Key", key));
    }

    private static List<ConsumerRecord<String, byte[]>> records(String topic, String key) {
        return server.kafka.read(topic, Integer.MAX_VALUE, Duration.ofSeconds(2)).stream()
                .filter(record -> key.equals(record.key())).toList();
    }
}
