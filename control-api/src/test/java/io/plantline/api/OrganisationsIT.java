package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Organisations made through the API by the platform's admins, and people with accounts in several of them. */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class OrganisationsIT {
    private static final String PLATFORM = TestApi.uniqueSlug("platform");

    private static TestApi server;
    private static TestApi.Org platform;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) {
        server = TestApi.start(database, kafka, "--platform-org=" + PLATFORM);
        platform = server.organisation(PLATFORM);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void platformAdminsCreateOrganisationsWithTheirFirstAdmin() {
        String slug = TestApi.uniqueSlug("acme");
        String adminEmail = "boss@" + slug + ".test";
        TestApi.Response created = create(slug, "Acme Press Shop", "Europe/Berlin", adminEmail);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.data().get("organisation").get("timeZone").asText()).isEqualTo("Europe/Berlin");
        assertThat(created.data().get("admin").get("role").asText()).isEqualTo("admin");

        String token = server.login(adminEmail, TestApi.PASSWORD).data().get("accessToken").asText();
        JsonNode own = server.call("GET", "/organisation", token, null).data();
        assertThat(own.get("slug").asText()).isEqualTo(slug);
        assertThat(own.get("name").asText()).isEqualTo("Acme Press Shop");
        assertThat(server.call("GET", "/organisations?pageSize=500", platform.adminToken(), null).data().findValuesAsText("slug"))
                .contains(slug, PLATFORM);

        assertThat(server.call("GET", "/organisations", token, null).status()).as("another organisation's admin").isEqualTo(404);
        assertThat(create(TestApi.uniqueSlug("sneaky"), "x", null, "x@y.test", token).status()).isEqualTo(404);
        assertThat(server.call("GET", "/organisations", platform.operatorToken(), null).status()).isEqualTo(403);
        assertThat(create(slug, "Again", null, "other@" + slug + ".test").status()).isEqualTo(409);
    }

    @Test
    void aBadOrganisationIsRefusedWithEveryProblemAndNothingIsMade() throws Exception {
        TestApi.Response refused = server.call("POST", "/organisations", platform.adminToken(), Map.of("slug", "Not A Slug",
                "name", " ", "timeZone", "Mars/Olympus", "admin", Map.of("email", "nobody", "password", "short")));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().get("error").get("details").toString())
                .contains("slug", "name must not be blank", "timeZone", "admin.email", "admin.password");
        assertThat(server.database.query("SELECT slug FROM organisations WHERE slug = 'Not A Slug'")).isEmpty();
    }

    @Test
    void oneAddressWithAccountsInSeveralOrganisationsLogsInToOneAtATimeAndSeesOnlyItsRows() {
        String second = TestApi.uniqueSlug("second");
        String sharedEmail = "admin@" + PLATFORM + ".test";
        assertThat(create(second, "Second plant", null, sharedEmail).status()).isEqualTo(201);

        TestApi.Response ambiguous = server.login(sharedEmail, TestApi.PASSWORD);
        assertThat(ambiguous.status()).isEqualTo(409);
        assertThat(ambiguous.errorCode()).isEqualTo("choose_organisation");
        assertThat(ambiguous.body().get("error").get("details").toString()).contains(PLATFORM, second);

        TestApi.Response intoSecond = server.call("POST", "/auth/login", null,
                Map.of("email", sharedEmail, "password", TestApi.PASSWORD, "organisation", second));
        assertThat(intoSecond.status()).isEqualTo(200);
        assertThat(intoSecond.data().get("user").get("orgSlug").asText()).isEqualTo(second);
        assertThat(intoSecond.data().get("memberships").findValuesAsText("organisation")).containsExactlyInAnyOrder(PLATFORM, second);
        String secondToken = intoSecond.data().get("accessToken").asText();
        String platformToken = server.call("POST", "/auth/login", null,
                Map.of("email", sharedEmail, "password", TestApi.PASSWORD, "organisation", PLATFORM)).data().get("accessToken").asText();

        assertThat(server.call("POST", "/devices", secondToken, Map.of("deviceId", "only-in-second")).status()).isEqualTo(201);
        assertThat(server.call("GET", "/devices/only-in-second", secondToken, null).status()).isEqualTo(200);
        assertThat(server.call("GET", "/devices/only-in-second", platformToken, null).status()).isEqualTo(404);
        assertThat(server.call("GET", "/devices?pageSize=500", platformToken, null).data().findValuesAsText("deviceId"))
                .doesNotContain("only-in-second");
        assertThat(server.call("DELETE", "/devices/only-in-second", platformToken, null).status()).isEqualTo(404);
        assertThat(server.call("GET", "/devices/only-in-second", secondToken, null).status()).isEqualTo(200);
    }

    private static TestApi.Response create(String slug, String name, String timeZone, String adminEmail) {
        return create(slug, name, timeZone, adminEmail, platform.adminToken());
    }

    private static TestApi.Response create(String slug, String name, String timeZone, String adminEmail, String token) {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("slug", slug, "name", name,
                "admin", Map.of("email", adminEmail, "password", TestApi.PASSWORD)));
        if (timeZone != null) {
            body.put("timeZone", timeZone);
        }
        return server.call("POST", "/organisations", token, body);
    }
}
