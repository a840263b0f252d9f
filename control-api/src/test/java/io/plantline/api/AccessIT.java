package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.api.devices.DeviceRoutes;
import io.plantline.api.groups.GroupRoutes;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Role;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every declared route, walked from the server's own route table: roles below a route's minimum get 403, the
 * others never do; and another organisation's ids are indistinguishable from ids that do not exist.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AccessIT {
    /** Unique per run, so records left on a shared Kafka by earlier runs never match. */
    private static final String PLANT_A = TestApi.uniqueSlug("plant-a");

    /** Unique per run, so records left on a shared Kafka by earlier runs never match. */
    private static final String PLANT_B = TestApi.uniqueSlug("plant-b");


    private static TestApi server;
    private static TestApi.Org plantA;
    private static TestApi.Org plantB;
    private static Map<String, String> idsOfA;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) throws Exception {
        server = TestApi.start(database, kafka);
        plantA = server.organisation(PLANT_A);
        plantB = server.organisation(PLANT_B);
        server.call("POST", "/devices", plantA.adminToken(), Map.of("deviceId", "press-1"));
        server.call("POST", "/groups", plantA.adminToken(), Map.of("groupId", "line-1", "name", "Line 1", "deviceIds", List.of("press-1")));
        server.call("POST", "/rules", plantA.adminToken(), Map.of("ruleId", "hot", "scope", Map.of("type", "ORGANISATION"),
                "metric", "temperature", "operator", ">", "threshold", 80, "forSeconds", 10, "severity", "MAJOR"));
        UUID alertId = UUID.randomUUID();
        server.database.execute("INSERT INTO alerts (id, org_slug, device_id, rule_id, metric, severity, status, opened_at)"
                + " VALUES ('" + alertId + "', '" + PLANT_A + "', 'press-1', 'hot', 'temperature', 'MAJOR', 'ACTIVE', now())");
        String spareUser = server.call("POST", "/users", plantA.adminToken(),
                Map.of("email", "spare@" + PLANT_A + ".test", "password", TestApi.PASSWORD, "role", "viewer")).data().get("id").asText();
        TestApi.BinaryResponse firmware = server.binary("POST", "/ota/firmware?version=1.0.0", plantA.adminToken(),
                new byte[] {1, 2, 3}, Map.of("Content-Type", "application/octet-stream"));
        String firmwareId = io.plantline.api.http.Json.MAPPER.readTree(firmware.body())
                .get("data").get("firmwareId").asText();
        server.call("POST", "/ota/deployments", plantA.adminToken(), Map.of("deploymentId", "rollout-a", "firmwareId",
                firmwareId, "deviceIds", List.of("press-1")));
        server.call("POST", "/profiles", plantA.adminToken(), Map.of("profileId", "press", "name", "Press"));
        String channelId = server.call("POST", "/notification-channels", plantA.adminToken(), Map.of("name", "duty",
                "type", "email", "settings", Map.of("to", List.of("duty@" + PLANT_A + ".test")))).data().get("channelId").asText();
        String subscriptionId = server.call("POST", "/notification-subscriptions", plantA.adminToken(), Map.of("channelId",
                channelId, "eventTypes", List.of("alert.opened"))).data().get("subscriptionId").asText();
        String deliveryId = server.call("POST", "/notification-channels/" + channelId + "/test", plantA.adminToken(), null)
                .data().get("deliveryId").asText();
        server.database.execute("INSERT INTO stops (org_slug, device_id, started_at, state) VALUES ('" + PLANT_A
                + "', 'press-1', '2026-11-23T10:00:00Z', 'DOWN')");
        String reportId = server.call("POST", "/reports", plantA.viewerToken(), Map.of("type", "alerts", "scope",
                "organisation", "from", "2026-11-01T00:00:00Z", "to", "2026-11-02T00:00:00Z")).data().get("reportId").asText();
        idsOfA = Map.ofEntries(Map.entry("deviceId", "press-1"), Map.entry("groupId", "line-1"), Map.entry("ruleId", "hot"),
                Map.entry("alertId", alertId.toString()), Map.entry("userId", spareUser), Map.entry("jobId", "f".repeat(32)),
                Map.entry("firmwareId", firmwareId), Map.entry("deploymentId", "rollout-a"), Map.entry("profileId", "press"),
                Map.entry("channelId", channelId), Map.entry("subscriptionId", subscriptionId),
                Map.entry("deliveryId", deliveryId), Map.entry("reportId", reportId),
                Map.entry("startedAt", "2026-11-23T10:00:00Z"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    @Order(1)
    void anotherOrganisationsIdsAnswerExactlyAsUnknownIdsDo() throws Exception {
        SoftAssertions softly = new SoftAssertions();
        for (ApiRoutes.Declared route : server.api.routes()) {
            if (route.minimum().isEmpty() || !route.path().contains("{")) {
                continue;
            }
            TestApi.Response foreign = server.call(route.method(), fill(route.path(), idsOfA), plantB.adminToken(), body(route));
            TestApi.Response unknown = server.call(route.method(), fill(route.path(), unknownIds()), plantB.adminToken(), body(route));
            softly.assertThat(List.of(foreign.status(), String.valueOf(foreign.errorCode())))
                    .as(route.method() + " " + route.path()).isEqualTo(List.of(unknown.status(), String.valueOf(unknown.errorCode())));
            softly.assertThat(foreign.status()).as(route.method() + " " + route.path()).isIn(400, 404);
        }
        for (String query : List.of("/analytics/oee?deviceId=press-1&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z&granularity=1h",
                "/analytics/oee?groupId=line-1&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z&granularity=1h",
                "/telemetry?deviceId=press-1&metric=temperature&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z&resolution=1h",
                "/stops?deviceId=press-1&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z",
                "/analytics/losses?groupId=line-1&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z")) {
            softly.assertThat(server.call("GET", query, plantB.adminToken(), null).status()).as(query).isEqualTo(404);
        }
        softly.assertThat(server.call("GET", "/devices", plantB.adminToken(), null).data()).as("B's device list").isEmpty();
        softly.assertThat(server.call("GET", "/alerts", plantB.adminToken(), null).data()).as("B's alerts").isEmpty();
        softly.assertThat(server.call("GET", "/groups", plantB.adminToken(), null).data()).as("B's groups").isEmpty();
        softly.assertThat(server.call("GET", "/rules", plantB.adminToken(), null).data()).as("B's rules").isEmpty();
        softly.assertThat(server.call("GET", "/users", plantB.adminToken(), null).body().get("pagination").get("total").asInt())
                .as("B's users").isEqualTo(3);
        softly.assertThat(server.call("POST", "/groups", plantB.adminToken(), Map.of("name", "steal", "deviceIds", List.of("press-1")))
                .status()).as("grouping A's device").isEqualTo(422);
        softly.assertAll();

        assertThat(server.database.query("SELECT * FROM devices WHERE org_slug = '" + PLANT_A + "'")).hasSize(1);
        assertThat(server.database.query("SELECT * FROM alerts WHERE org_slug = '" + PLANT_A + "' AND status = 'ACTIVE'")).hasSize(1);
        assertThat(server.database.query("SELECT * FROM device_group_members WHERE org_slug = '" + PLANT_A + "'")).hasSize(1);
        assertThat(server.database.query("SELECT * FROM alert_rules WHERE org_slug = '" + PLANT_A + "'")).hasSize(1);
    }

    @Test
    @Order(2) // it deletes what the probe needs
    void everyRouteRefusesRolesBelowItsMinimumAndOnlyThose() {
        SoftAssertions softly = new SoftAssertions();
        // Deletions last, so the other routes still find what they act on.
        List<ApiRoutes.Declared> routes = server.api.routes().stream().filter(route -> route.minimum().isPresent())
                .sorted((a, b) -> Boolean.compare(a.method().equals("DELETE"), b.method().equals("DELETE"))).toList();
        for (ApiRoutes.Declared route : routes) {
            for (Role role : Role.values()) {
                TestApi.Response answer = server.call(route.method(), fill(route.path(), idsOfA), plantA.token(role.wireName()), body(route));
                String what = role.wireName() + " " + route.method() + " " + route.path();
                if (role.includes(route.minimum().get())) {
                    softly.assertThat(answer.status()).as(what).isNotIn(401, 403, 500);
                } else {
                    softly.assertThat(answer.status()).as(what).isEqualTo(403);
                    softly.assertThat(answer.errorCode()).as(what).isEqualTo("forbidden");
                }
            }
        }
        softly.assertAll();
    }

    /**
     * Issue 18, item 3: an action inside a route that changes what only admins change elsewhere asks for an admin,
     * whatever the route's own minimum: a group's batch that rewrites settings or a rule's scope, a device created with
     * settings.
     */
    @Test
    @Order(1)
    void actionsInsideARouteAskTheRoleOfWhatTheyChange() {
        SoftAssertions softly = new SoftAssertions();
        Map<String, Object> bodies = Map.of("enable", Map.of("action", "enable"), "disable", Map.of("action", "disable"),
                "apply-settings", Map.of("action", "apply-settings", "settings", Map.of("metadata", Map.of("shift", "B"))),
                "attach-rule", Map.of("action", "attach-rule", "ruleId", "hot"));
        softly.assertThat(bodies.keySet()).isEqualTo(GroupRoutes.BATCH_ACTIONS.keySet());
        GroupRoutes.BATCH_ACTIONS.forEach((action, minimum) -> {
            for (Role role : Role.values()) {
                TestApi.Response answer = server.call("POST", "/groups/line-1/batch", plantA.token(role.wireName()),
                        bodies.get(action));
                assertRole(softly, role, minimum, answer, role.wireName() + " batch " + action);
            }
        });
        for (Role role : Role.values()) {
            TestApi.Response answer = server.call("POST", "/devices", plantA.token(role.wireName()),
                    Map.of("deviceId", "set-up-by-" + role.wireName(), "idealCycleSeconds", 2));
            assertRole(softly, role, DeviceRoutes.SETTINGS_ROLE, answer, role.wireName() + " POST /devices with settings");
        }
        softly.assertAll();
    }

    private static void assertRole(SoftAssertions softly, Role role, Role minimum, TestApi.Response answer, String what) {
        if (role.includes(minimum)) {
            softly.assertThat(answer.status()).as(what).isBetween(200, 299);
        } else {
            softly.assertThat(answer.status()).as(what).isEqualTo(403);
            softly.assertThat(answer.errorCode()).as(what).isEqualTo("forbidden");
        }
    }

    private static Map<String, String> unknownIds() {
        return Map.ofEntries(Map.entry("deviceId", "no-such-device"), Map.entry("groupId", "no-such-group"),
                Map.entry("ruleId", "no-such-rule"), Map.entry("alertId", UUID.randomUUID().toString()),
                Map.entry("userId", UUID.randomUUID().toString()), Map.entry("jobId", "0".repeat(32)),
                Map.entry("firmwareId", UUID.randomUUID().toString()), Map.entry("deploymentId", "no-such-rollout"),
                Map.entry("profileId", "no-such-profile"), Map.entry("channelId", UUID.randomUUID().toString()),
                Map.entry("subscriptionId", UUID.randomUUID().toString()), Map.entry("deliveryId", UUID.randomUUID().toString()),
                Map.entry("reportId", UUID.randomUUID().toString()), Map.entry("startedAt", "2026-11-23T10:01:00Z"));
    }

    private static String fill(String path, Map<String, String> ids) {
        String filled = path;
        for (Map.Entry<String, String> id : ids.entrySet()) {
            filled = filled.replace("{" + id.getKey() + "}", id.getValue());
        }
        return filled;
    }

    /** A body that passes validation where one is needed, so the answer is about the id, not the body. */
    private static Object body(ApiRoutes.Declared route) {
        if (route.method().equals("GET") || route.method().equals("DELETE")) {
            return null;
        }
        return switch (route.path()) {
            case "/rules/{ruleId}" -> Map.of("scope", Map.of("type", "ORGANISATION"), "metric", "temperature", "operator", ">",
                    "threshold", 90, "count", 3, "severity", "MAJOR");
            case "/groups/{groupId}" -> Map.of("name", "Renamed line");
            case "/groups/{groupId}/members" -> Map.of("deviceIds", List.of());
            case "/groups/{groupId}/batch" -> Map.of("action", "enable");
            case "/stops/{deviceId}/{startedAt}/classification" -> Map.of("reasonCode", "jam");
            default -> Map.of();
        };
    }
}
