package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

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

@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class StopReasonsIT {

    private static TestApi server;
    private static TestApi.Org org;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) {
        server = TestApi.start(database, kafka);
        org = server.organisation(TestApi.uniqueSlug("stops"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anAdminReplacesTheCatalogueAndEveryoneReadsItByCategory() {
        TestApi.Response empty = server.call("GET", "/stop-reasons", org.viewerToken(), null);
        assertThat(empty.data().get("minorStopSeconds").asInt()).isEqualTo(120);
        assertThat(empty.data().get("reasons")).isEmpty();

        TestApi.Response written = server.call("PUT", "/stop-reasons", org.adminToken(), Map.of("minorStopSeconds", 90,
                "reasons", List.of(reason("no_material", "Material missing", "material"), reason("jam", "Jam", "breakdown"),
                        reason("tool_change", "Tool change", "setup"))));

        assertThat(written.status()).isEqualTo(200);
        assertThat(server.call("GET", "/stop-reasons", org.viewerToken(), null).data().get("reasons"))
                .extracting(node -> node.get("code").asText()).containsExactly("jam", "tool_change", "no_material");
        assertThat(server.call("PUT", "/stop-reasons", org.adminToken(), Map.of("reasons", List.of(reason("jam", "Jam", "breakdown"))))
                .data().get("reasons")).as("the whole catalogue is replaced").hasSize(1);
        assertThat(server.call("PUT", "/stop-reasons", org.operatorToken(), Map.of("reasons", List.of())).status()).isEqualTo(403);
    }

    @Test
    void aCatalogueIsRefusedWithEveryProblemAtOnce() {
        TestApi.Response refused = server.call("PUT", "/stop-reasons", org.adminToken(), Map.of("minorStopSeconds", 600,
                "reasons", List.of(reason("jam", "Jam", "breakdown"), reason("jam", "Jam again", "breakdown"),
                        reason("bad code!", "", "coffee"))));

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().get("error").get("details")).extracting(node -> node.asText()).containsExactlyInAnyOrder(
                "minorStopSeconds must be a whole number between 1 and 120",
                "reasons[1]: code jam appears more than once",
                "reasons[2]: code must match [A-Za-z0-9_.-]{1,64}",
                "reasons[2]: name is required, at most 200 characters",
                "reasons[2]: category must be one of breakdown, material, operator, other, quality, setup");
    }

    private static Map<String, Object> reason(String code, String name, String category) {
        return Map.of("code", code, "name", name, "category", category);
    }
}
