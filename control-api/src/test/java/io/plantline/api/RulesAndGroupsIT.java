package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.AlertRule;
import io.plantline.model.RuleScope;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class RulesAndGroupsIT {
    /** Unique per run, so records left on a shared Kafka by earlier runs never match. */
    private static final String RULES_ORG = TestApi.uniqueSlug("rules-org");


    private static TestApi server;
    private static TestApi.Org org;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) {
        server = TestApi.start(database, kafka);
        org = server.organisation(RULES_ORG);
        for (String device : List.of("m1", "m2", "m3")) {
            server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", device));
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aGroupRuleIsPublishedWithItsMembersAndRepublishedWhenTheyChange() {
        TestApi.Response group = server.call("POST", "/devices/group", org.operatorToken(),
                Map.of("name", "Line 2", "deviceIds", List.of("m1", "m2")));
        assertThat(group.status()).isEqualTo(201);
        assertThat(group.data().get("groupId").asText()).isEqualTo("line-2");

        TestApi.Response rule = server.call("POST", "/rules", org.adminToken(), rule("line-hot", Map.of("type", "GROUP", "target", "line-2")));
        assertThat(rule.status()).isEqualTo(201);
        assertThat(rule.data().get("scope").get("target").asText()).isEqualTo("line-2");
        assertThat(published("line-hot").scope().members()).containsExactlyInAnyOrder("m1", "m2");

        TestApi.Response byOperator = server.call("PUT", "/groups/line-2/members", org.operatorToken(),
                Map.of("deviceIds", List.of("m2", "m3")));
        assertThat(byOperator.status()).as("an operator cannot change what an admin's rule watches").isEqualTo(409);
        assertThat(byOperator.errorCode()).isEqualTo("group_scopes_rules");
        assertThat(byOperator.body().get("error").get("details").toString()).contains("line-hot");
        assertThat(published("line-hot").scope().members()).containsExactlyInAnyOrder("m1", "m2");
        TestApi.Response byAdmin = server.call("PUT", "/groups/line-2/members", org.adminToken(),
                Map.of("deviceIds", List.of("m2", "m3")));
        assertThat(byAdmin.status()).isEqualTo(200);
        assertThat(byAdmin.data().get("scopesRules").toString()).contains("line-hot");
        assertThat(published("line-hot").scope().members()).containsExactlyInAnyOrder("m2", "m3");

        assertThat(server.call("DELETE", "/groups/line-2", org.operatorToken(), null).status())
                .as("a group that scopes a rule stays").isEqualTo(409);
    }

    @Test
    void aGroupThatFiltersNotificationSubscriptionsCannotBeDeleted() {
        assertThat(server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "watched", "name", "Watched",
                "deviceIds", List.of("m1"))).status()).isEqualTo(201);
        String channelId = server.call("POST", "/notification-channels", org.adminToken(), Map.of("name", "group mail",
                "type", "email", "settings", Map.of("to", List.of("duty@" + org.slug() + ".test")))).data()
                .get("channelId").asText();
        String subscriptionId = server.call("POST", "/notification-subscriptions", org.adminToken(), Map.of("channelId",
                channelId, "eventTypes", List.of("alert.opened"), "groupId", "watched")).data().get("subscriptionId").asText();

        TestApi.Response refused = server.call("DELETE", "/groups/watched", org.operatorToken(), null);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body().get("error").get("message").asText()).contains(subscriptionId);
        assertThat(server.call("DELETE", "/notification-subscriptions/" + subscriptionId, org.adminToken(), null).status())
                .isEqualTo(204);
        assertThat(server.call("DELETE", "/groups/watched", org.operatorToken(), null).status()).isEqualTo(204);
    }

    @Test
    void aRuleIsValidatedWithEveryProblemAtOnce() {
        Map<String, Object> bad = new LinkedHashMap<>();
        bad.put("ruleId", "bad rule!");
        bad.put("scope", Map.of("type", "PLANET"));
        bad.put("metric", "temperature");
        bad.put("operator", "=~");
        bad.put("threshold", "hot");
        bad.put("severity", "APOCALYPTIC");
        bad.put("escalation", Map.of("afterSeconds", 0));

        TestApi.Response refused = server.call("POST", "/rules", org.adminToken(), bad);

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().get("error").get("details")).extracting(Object::toString).asString().contains(
                "ruleId must match", "scope.type must be one of", "operator must be one of", "threshold must be a finite number",
                "severity must be one of", "escalation.afterSeconds must be", "escalation.severity is required");
        TestApi.Response contradictory = server.call("POST", "/rules", org.adminToken(), Map.of("ruleId", "both",
                "scope", Map.of("type", "ORGANISATION"), "metric", "t", "operator", ">", "threshold", 5, "forSeconds", 5,
                "count", 3, "clearThreshold", 9, "severity", "INFO"));
        assertThat(contradictory.body().get("error").get("details")).extracting(Object::toString).asString()
                .contains("exactly one of forSeconds and count", "clearThreshold must not itself breach");
        assertThat(server.call("POST", "/rules", org.adminToken(), rule("ghost", Map.of("type", "DEVICE", "target", "nope"))).status())
                .isEqualTo(422);
        assertThat(server.call("POST", "/rules", org.operatorToken(), rule("op", Map.of("type", "ORGANISATION"))).status())
                .as("rules are an admin's").isEqualTo(403);
    }

    @Test
    void deletingARuleTombstonesItAndResolvesItsOpenAlerts() throws Exception {
        server.call("POST", "/rules", org.adminToken(), rule("doomed", Map.of("type", "DEVICE", "target", "m1")));
        server.database.execute("INSERT INTO alerts (id, org_slug, device_id, rule_id, metric, severity, status, opened_at) VALUES ('"
                + UUID.randomUUID() + "', '" + RULES_ORG + "', 'm1', 'doomed', 'temperature', 'MAJOR', 'ACTIVE', now())");

        assertThat(server.call("DELETE", "/rules/doomed", org.adminToken(), null).status()).isEqualTo(204);

        assertThat(records(RULES_ORG + "/rule/doomed")).last().satisfies(record -> assertThat(record.value()).isNull());
        assertThat(server.database.query("SELECT status, resolved_by FROM alerts WHERE rule_id = 'doomed'"))
                .singleElement().satisfies(row -> {
                    assertThat(row.get("status")).isEqualTo("RESOLVED");
                    assertThat(row.get("resolved_by")).isEqualTo("admin@" + RULES_ORG + ".test");
                });
        assertThat(server.database.query("SELECT c.text, c.written_by FROM alert_comments c JOIN alerts a ON a.id = c.alert_id"
                + " WHERE a.org_slug = '" + RULES_ORG + "' AND a.rule_id = 'doomed'"))
                .containsExactly(Map.of("text", "rule deleted", "written_by", "admin@" + RULES_ORG + ".test"));
        assertThat(server.call("GET", "/rules/doomed", org.viewerToken(), null).status()).isEqualTo(404);
    }

    @Test
    void batchOperationsCountWhatTheyChangedAndListFailures() throws Exception {
        server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "batch", "name", "Batch", "deviceIds", List.of("m1", "m3")));

        TestApi.Response disabled = server.call("POST", "/groups/batch/batch", org.operatorToken(), Map.of("action", "disable"));
        assertThat(disabled.data().get("success").asBoolean()).isTrue();
        assertThat(disabled.data().get("updated").asInt()).isEqualTo(2);
        assertThat(server.call("GET", "/devices/m3", org.viewerToken(), null).data().get("enabled").asBoolean()).isFalse();

        TestApi.Response settings = server.call("POST", "/groups/batch/batch", org.adminToken(),
                Map.of("action", "apply-settings", "settings", Map.of("idealCycleSeconds", 6)));
        assertThat(settings.data().get("updated").asInt()).isEqualTo(2);
        assertThat(settings.data().get("failures")).isEmpty();
        assertThat(server.database.query("SELECT ideal_cycle_schedule -> 0 ->> 'idealCycleSeconds' AS seconds FROM devices"
                + " WHERE device_id IN ('m1', 'm3')")).extracting(row -> row.get("seconds")).containsOnly("6.0");

        server.call("POST", "/rules", org.adminToken(), rule("wander", Map.of("type", "DEVICE", "target", "m2")));
        TestApi.Response attached = server.call("POST", "/groups/batch/batch", org.adminToken(),
                Map.of("action", "attach-rule", "ruleId", "wander"));
        assertThat(attached.data().get("updated").asInt()).isEqualTo(2);
        assertThat(published("wander").scope()).isEqualTo(RuleScope.group("batch", java.util.Set.of("m1", "m3")));

        TestApi.Response incomplete = server.call("POST", "/groups/batch/batch", org.operatorToken(), Map.of("action", "apply-settings"));
        assertThat(incomplete.status()).isEqualTo(400);
        server.call("POST", "/groups/batch/batch", org.operatorToken(), Map.of("action", "enable"));
    }

    private static Map<String, Object> rule(String id, Map<String, Object> scope) {
        return Map.of("ruleId", id, "name", "Too hot", "scope", scope, "metric", "temperature", "operator", ">",
                "threshold", 80, "forSeconds", 10, "clearThreshold", 75, "severity", "MAJOR",
                "escalation", Map.of("afterSeconds", 60, "severity", "CRITICAL"));
    }

    private static AlertRule published(String ruleId) {
        List<ConsumerRecord<String, byte[]>> records = records(RULES_ORG + "/rule/" + ruleId);
        return (AlertRule) RecordJson.readRulesTopicValue(records.get(records.size() - 1).value());
    }

    private static List<ConsumerRecord<String, byte[]>> records(String key) {
        return server.kafka.read(Topics.RULES, Integer.MAX_VALUE, Duration.ofSeconds(2)).stream()
                .filter(record -> key.equals(record.key())).toList();
    }
}
