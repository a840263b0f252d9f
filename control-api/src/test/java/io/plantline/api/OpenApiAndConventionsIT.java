package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Role;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class OpenApiAndConventionsIT {
    /** Unique per run, so records left on a shared Kafka by earlier runs never match. */
    private static final String DOCS_ORG = TestApi.uniqueSlug("docs-org");


    private static TestApi server;
    private static TestApi.Org org;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) {
        server = TestApi.start(database, kafka);
        org = server.organisation(DOCS_ORG);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theDocumentListsExactlyTheServedRoutesWithTheirRoles() {
        TestApi.Response answer = server.call("GET", "/openapi.json", null, null);
        assertThat(answer.status()).isEqualTo(200);
        JsonNode document = answer.body();

        Map<String, String> documented = new TreeMap<>();
        document.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(operation ->
                documented.put(operation.getKey().toUpperCase() + " " + path.getKey(),
                        operation.getValue().path("x-minimum-role").asText("open"))));
        Map<String, String> served = new TreeMap<>();
        for (ApiRoutes.Declared route : server.api.routes()) {
            served.put(route.method() + " " + route.path(), route.minimum().map(Role::wireName).orElse("open"));
        }

        assertThat(documented).isEqualTo(served);
        assertThat(unresolvedReferences(document, document)).isEmpty();
    }

    @Test
    void everyAnswerCarriesARequestIdAndErrorsTheEnvelope() {
        TestApi.Response unknownRoute = server.call("GET", "/no/such/route", org.viewerToken(), null);
        assertThat(unknownRoute.status()).isEqualTo(404);
        assertThat(unknownRoute.errorCode()).isEqualTo("not_found");
        assertThat(unknownRoute.body().get("error").get("requestId").asText())
                .isEqualTo(unknownRoute.headers().firstValue("X-Request-Id").orElseThrow());

        TestApi.Response traced = server.call("GET", "/devices", org.viewerToken(), null, Map.of("X-Request-Id", "dashboard-4711-a"));
        assertThat(traced.headers().firstValue("X-Request-Id")).contains("dashboard-4711-a");
        assertThat(traced.status()).isEqualTo(200);
    }

    @Test
    void writesAreAuditedWithTheRequestId() throws Exception {
        TestApi.Response created = server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "audited-1"), Map.of(
                "X-Request-Id", "audit-test-0001"));
        assertThat(created.status()).isEqualTo(201);

        assertThat(server.database.query("SELECT org_slug, method, path, status, entity FROM api_audit WHERE request_id = 'audit-test-0001'"))
                .singleElement().isEqualTo(Map.of("org_slug", DOCS_ORG, "method", "POST", "path", "/api/v1/devices", "status", 201,
                        "entity", "device/audited-1"));
    }

    private static Set<String> unresolvedReferences(JsonNode root, JsonNode node) {
        Set<String> missing = new TreeSet<>();
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null && root.at(ref.asText().substring(1)).isMissingNode()) {
                missing.add(ref.asText());
            }
            for (Iterator<JsonNode> children = node.elements(); children.hasNext(); ) {
                missing.addAll(unresolvedReferences(root, children.next()));
            }
        } else if (node.isArray()) {
            node.forEach(child -> missing.addAll(unresolvedReferences(root, child)));
        }
        return missing;
    }
}
