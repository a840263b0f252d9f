package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The stop list with each stop's category, and operators classifying stops; stops written as the OEE job would. */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class StopsIT {

    private static final String RANGE = "from=2026-11-23T10:00:00Z&to=2026-11-23T11:00:00Z";
    private static TestApi server;
    private static TestApi.Org org;
    private static PlantHistory plant;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) throws Exception {
        server = TestApi.start(database, kafka);
        org = server.organisation(TestApi.uniqueSlug("stops-list"));
        plant = new PlantHistory(database, org.slug());
        for (String device : List.of("p1", "p2", "p3")) {
            server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", device));
        }
        server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "line", "name", "Line", "deviceIds", List.of("p1", "p2")));
        assertThat(server.call("PUT", "/stop-reasons", org.adminToken(), Map.of("minorStopSeconds", 60, "reasons", List.of(
                Map.of("code", "jam", "name", "Jam", "category", "breakdown"),
                Map.of("code", "no_material", "name", "Material missing", "category", "material")))).status()).isEqualTo(200);
        plant.stop("p1", "DOWN", "jam", "2026-11-23T09:00:00Z", "2026-11-23T09:10:00Z");
        plant.stop("p1", "DOWN", "jam", "2026-11-23T10:00:00Z", "2026-11-23T10:05:00Z");
        plant.stop("p1", "IDLE", "no_material", "2026-11-23T10:06:00Z", "2026-11-23T10:06:30Z");
        plant.stop("p1", "IDLE", null, "2026-11-23T10:10:00Z", "2026-11-23T10:20:00Z");
        // Open stops: their duration is the time their minutes hold so far.
        plant.stop("p2", "DOWN", "coffee", "2026-11-23T10:15:00Z", null);
        for (String minute : List.of("10:15", "10:16", "10:17", "10:18", "10:19")) {
            plant.stopMinute("p2", "2026-11-23T" + minute + ":00Z", "2026-11-23T10:15:00Z", 60_000);
        }
        plant.stop("p2", "IDLE", null, "2026-11-23T10:30:00Z", null);
        plant.stopMinute("p2", "2026-11-23T10:30:00Z", "2026-11-23T10:30:00Z", 20_000);
        plant.stop("p3", "DOWN", null, "2026-11-23T10:00:00Z", "2026-11-23T10:20:00Z");
    }

    @AfterAll
    static void stop() throws Exception {
        plant.close();
        server.close();
    }

    @Test
    void eachStopHasItsDurationAndCategoryByTheContract() {
        TestApi.Response machine = server.call("GET", "/stops?deviceId=p1&" + RANGE, org.viewerToken(), null);

        assertThat(machine.status()).isEqualTo(200);
        assertThat(machine.data()).extracting(stop -> stop.get("startedAt").asText() + " " + stop.get("durationMs").asLong()
                + " " + stop.get("category").asText()).containsExactly(
                "2026-11-23T10:10:00Z 600000 unclassified",
                "2026-11-23T10:06:00Z 30000 minor_stop",
                "2026-11-23T10:00:00Z 300000 breakdown");
        JsonNode jam = machine.data().get(2);
        assertThat(jam.get("reasonCode").asText()).isEqualTo("jam");
        assertThat(jam.get("reasonName").asText()).isEqualTo("Jam");
        assertThat(jam.get("deviceReason").asText()).isEqualTo("jam");
        assertThat(jam.get("classification").isNull()).isTrue();
        assertThat(jam.get("state").asText()).isEqualTo("DOWN");

        JsonNode line = server.call("GET", "/stops?groupId=line&" + RANGE, org.viewerToken(), null).data();
        assertThat(line).extracting(stop -> stop.get("deviceId").asText() + " " + stop.get("startedAt").asText() + " "
                + stop.get("durationMs").asLong() + " " + stop.get("category").asText()).startsWith(
                "p2 2026-11-23T10:30:00Z 20000 minor_stop",
                "p2 2026-11-23T10:15:00Z 300000 unclassified").hasSize(5);
        assertThat(line.get(1).get("endedAt").isNull()).as("open").isTrue();
        assertThat(line.get(1).get("reasonName").isNull()).as("coffee is not in the catalogue").isTrue();
        assertThat(server.call("GET", "/stops?" + RANGE, org.viewerToken(), null).body().get("pagination").get("total").asInt())
                .as("the whole organisation").isEqualTo(6);
    }

    @Test
    void theLongUnclassifiedStopsAreEasyToFind() {
        TestApi.Response found = server.call("GET", "/stops?groupId=line&category=unclassified&minDurationSeconds=300"
                + "&sort=duration&classified=false&" + RANGE, org.viewerToken(), null);

        assertThat(found.status()).isEqualTo(200);
        assertThat(found.data()).extracting(stop -> stop.get("deviceId").asText() + " " + stop.get("durationMs").asLong())
                .containsExactly("p1 600000", "p2 300000");
        TestApi.Response page = server.call("GET", "/stops?groupId=line&pageSize=2&page=2&" + RANGE, org.viewerToken(), null);
        assertThat(page.body().get("pagination").get("total").asInt()).isEqualTo(5);
        assertThat(page.data()).extracting(stop -> stop.get("startedAt").asText())
                .containsExactly("2026-11-23T10:10:00Z", "2026-11-23T10:06:00Z");
        assertThat(server.call("GET", "/stops?deviceId=p1&state=DOWN&category=breakdown,minor_stop&" + RANGE,
                org.viewerToken(), null).data()).hasSize(1);

        TestApi.Response refused = server.call("GET", "/stops?groupId=line&category=coffee&minDurationSeconds=-1"
                + "&from=2026-11-23T11:00:00Z&to=2026-11-23T10:00:00Z", org.viewerToken(), null);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().get("error").get("details")).hasSize(3);
        assertThat(server.call("GET", "/stops?groupId=nothing&" + RANGE, org.viewerToken(), null).status()).isEqualTo(404);
    }

    @Test
    void anOperatorClassifiesAStopAndEveryChangeIsAudited() throws Exception {
        plant.stop("p1", "DOWN", "coffee", "2026-11-23T12:00:00Z", "2026-11-23T12:10:00Z");
        String unclassified = "/stops?deviceId=p1&category=unclassified&minDurationSeconds=300"
                + "&from=2026-11-23T12:00:00Z&to=2026-11-23T13:00:00Z";
        assertThat(server.call("GET", unclassified, org.viewerToken(), null).data()).hasSize(1);
        String path = "/stops/p1/2026-11-23T12:00:00Z/classification";
        assertThat(server.call("PUT", path, org.viewerToken(), Map.of("reasonCode", "jam")).status()).isEqualTo(403);

        TestApi.Response classified = server.call("PUT", path, org.operatorToken(),
                Map.of("reasonCode", "jam", "comment", "the coffee machine jammed the feeder"), Map.of("X-Request-Id", "classify-0001"));

        assertThat(classified.status()).isEqualTo(200);
        JsonNode stop = classified.data();
        assertThat(stop.get("deviceReason").asText()).as("the device's reason is kept").isEqualTo("coffee");
        assertThat(stop.get("reasonCode").asText()).isEqualTo("jam");
        assertThat(stop.get("category").asText()).isEqualTo("breakdown");
        assertThat(stop.get("classification").get("comment").asText()).isEqualTo("the coffee machine jammed the feeder");
        assertThat(stop.get("classification").get("classifiedBy").asText()).isEqualTo("operator@" + org.slug() + ".test");
        assertThat(server.call("GET", unclassified, org.viewerToken(), null).data()).isEmpty();
        assertThat(server.call("GET", unclassified.replace("unclassified", "breakdown") + "&classified=true",
                org.viewerToken(), null).data()).hasSize(1);

        assertThat(server.call("PUT", path.replace(":", "%3A"), org.adminToken(), Map.of("reasonCode", "no_material")).data()
                .get("category").asText()).as("the start URL-encoded, as clients may send it").isEqualTo("material");
        assertThat(server.database.query("SELECT status, entity, details::text AS details FROM api_audit"
                + " WHERE request_id = 'classify-0001'")).singleElement().satisfies(row -> {
                    assertThat(row.get("status")).isEqualTo(200);
                    assertThat(row.get("entity")).isEqualTo("stop/p1/2026-11-23T12:00:00Z");
                    assertThat(row.get("details").toString()).contains("\"reasonCode\": \"jam\"", "\"previousReasonCode\": null");
                });
        assertThat(server.database.query("SELECT details ->> 'previousReasonCode' AS previous FROM api_audit"
                + " WHERE entity = 'stop/p1/2026-11-23T12:00:00Z' AND details ->> 'reasonCode' = 'no_material'"))
                .singleElement().isEqualTo(Map.of("previous", "jam"));
    }

    @Test
    void aClassificationNeedsAReasonOfTheCatalogueAndAStopThatExists() {
        TestApi.Response unknownReason = server.call("PUT", "/stops/p1/2026-11-23T10:10:00Z/classification",
                org.operatorToken(), Map.of("reasonCode", "coffee"));
        assertThat(unknownReason.status()).isEqualTo(422);
        assertThat(unknownReason.errorCode()).isEqualTo("unknown_reason");
        assertThat(unknownReason.body().get("error").get("details")).extracting(JsonNode::asText)
                .containsExactly("jam", "no_material");
        assertThat(unknownReason.body().get("error").get("requestId").asText()).isNotEmpty();

        for (String missing : List.of("/stops/p1/2026-11-23T10:11:00Z/classification", "/stops/p1/yesterday/classification",
                "/stops/p9/2026-11-23T10:10:00Z/classification")) {
            TestApi.Response answer = server.call("PUT", missing, org.operatorToken(), Map.of("reasonCode", "jam"));
            assertThat(answer.status()).as(missing).isEqualTo(404);
            assertThat(answer.errorCode()).isEqualTo("not_found");
        }
        assertThat(server.call("PUT", "/stops/p1/2026-11-23T10:10:00Z/classification", org.operatorToken(),
                Map.of("comment", "why")).status()).isEqualTo(400);
    }

    /** Late data may move a stop's start: its classification then names no stop, and the moved stop has none. */
    @Test
    void aClassificationOfAStopThatMovedMatchesNothing() throws Exception {
        plant.stop("p3", "IDLE", null, "2026-11-23T13:40:00Z", "2026-11-23T13:50:00Z");
        assertThat(server.call("PUT", "/stops/p3/2026-11-23T13:40:00Z/classification", org.operatorToken(),
                Map.of("reasonCode", "jam")).status()).isEqualTo(200);

        server.database.execute("DELETE FROM stops WHERE org_slug = '" + org.slug() + "' AND device_id = 'p3'"
                + " AND started_at = '2026-11-23T13:40:00Z'");
        plant.stop("p3", "IDLE", null, "2026-11-23T13:39:00Z", "2026-11-23T13:50:00Z");

        JsonNode moved = server.call("GET", "/stops?deviceId=p3&from=2026-11-23T13:30:00Z&to=2026-11-23T14:00:00Z",
                org.viewerToken(), null).data();
        assertThat(moved).singleElement().satisfies(stop -> {
            assertThat(stop.get("startedAt").asText()).isEqualTo("2026-11-23T13:39:00Z");
            assertThat(stop.get("classification").isNull()).isTrue();
            assertThat(stop.get("category").asText()).isEqualTo("unclassified");
        });
    }
}
