package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class AuthIT {
    /** Unique per run, so records left on a shared Kafka by earlier runs never match. */
    private static final String AUTH_ORG = TestApi.uniqueSlug("auth-org");


    private static TestApi server;
    private static TestApi.Org org;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) {
        server = TestApi.start(database, kafka);
        org = server.organisation(AUTH_ORG);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void loginAnswersTokensAndTheUserWithoutItsHash() {
        TestApi.Response login = server.login("admin@" + AUTH_ORG + ".test", TestApi.PASSWORD);

        assertThat(login.status()).isEqualTo(200);
        assertThat(login.data().get("tokenType").asText()).isEqualTo("Bearer");
        assertThat(login.data().get("expiresIn").asLong()).isEqualTo(900);
        assertThat(login.data().get("user").get("role").asText()).isEqualTo("admin");
        assertThat(login.data().get("user").has("passwordHash")).isFalse();
        assertThat(server.call("GET", "/users/me", login.data().get("accessToken").asText(), null).status()).isEqualTo(200);
    }

    @Test
    void wrongPasswordAndUnknownUserGetTheSame401() {
        TestApi.Response wrong = server.login("admin@" + AUTH_ORG + ".test", "not the password");
        TestApi.Response unknown = server.login("nobody@" + AUTH_ORG + ".test", "not the password");

        assertThat(wrong.status()).isEqualTo(401);
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(wrong.body().get("error").get("message")).isEqualTo(unknown.body().get("error").get("message"));
        assertThat(wrong.body().get("error").get("requestId").asText()).isEqualTo(wrong.headers().firstValue("X-Request-Id").orElseThrow());
    }

    @Test
    void missingTamperedAndUnsignedTokensAre401() {
        String[] parts = org.viewerToken().split("\\.");
        String adminClaims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("\"viewer\"", "\"admin\"");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(adminClaims.getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
        String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
                + "." + parts[1] + ".";

        assertThat(server.call("GET", "/devices", null, null).status()).isEqualTo(401);
        assertThat(server.call("GET", "/devices", "garbage", null).status()).isEqualTo(401);
        assertThat(server.call("GET", "/users", tampered, null).status()).isEqualTo(401);
        assertThat(server.call("GET", "/devices", none, null).status()).isEqualTo(401);
        assertThat(server.call("GET", "/devices", none, null).errorCode()).isEqualTo("unauthorized");
    }

    @Test
    void expiredTokenIs401() {
        String token = server.login("operator@" + AUTH_ORG + ".test", TestApi.PASSWORD).data().get("accessToken").asText();
        server.clock.advance(Duration.ofMinutes(16));
        try {
            TestApi.Response expired = server.call("GET", "/devices", token, null);
            assertThat(expired.status()).isEqualTo(401);
            assertThat(expired.body().get("error").get("message").asText()).contains("expired");
        } finally {
            server.clock.advance(Duration.ofMinutes(-16));
        }
    }

    /** Issue 18, item 8: answers holding tokens are kept by no cache. */
    @Test
    void tokenAnswersAreNotStored() {
        TestApi.Response login = server.login("viewer@" + AUTH_ORG + ".test", TestApi.PASSWORD);
        TestApi.Response refreshed = server.call("POST", "/auth/refresh", null,
                Map.of("refreshToken", login.data().get("refreshToken").asText()));

        assertThat(refreshed.status()).isEqualTo(200);
        assertThat(login.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(refreshed.headers().firstValue("Cache-Control")).contains("no-store");
    }

    @Test
    void refreshRotatesAndAReusedTokenRevokesTheFamily() {
        String first = server.login("viewer@" + AUTH_ORG + ".test", TestApi.PASSWORD).data().get("refreshToken").asText();

        TestApi.Response rotated = server.call("POST", "/auth/refresh", null, Map.of("refreshToken", first));
        assertThat(rotated.status()).isEqualTo(200);
        String second = rotated.data().get("refreshToken").asText();
        assertThat(second).isNotEqualTo(first);
        assertThat(server.call("GET", "/devices", rotated.data().get("accessToken").asText(), null).status()).isEqualTo(200);

        TestApi.Response reuse = server.call("POST", "/auth/refresh", null, Map.of("refreshToken", first));
        assertThat(reuse.status()).isEqualTo(401);
        assertThat(reuse.body().get("error").get("message").asText()).contains("already used");
        assertThat(server.call("POST", "/auth/refresh", null, Map.of("refreshToken", second)).status())
                .as("the legitimate successor is revoked with its family").isEqualTo(401);
    }

    @Test
    void logoutRevokesTheRefreshToken() {
        String refresh = server.login("viewer@" + AUTH_ORG + ".test", TestApi.PASSWORD).data().get("refreshToken").asText();

        assertThat(server.call("POST", "/auth/logout", null, Map.of("refreshToken", refresh)).status()).isEqualTo(204);
        assertThat(server.call("POST", "/auth/refresh", null, Map.of("refreshToken", refresh)).status()).isEqualTo(401);
    }

    @Test
    void logoutAndAPasswordChangeEndTheirSessionsAccessTokensAtOnce() {
        String email = "session-ender@" + AUTH_ORG + ".test";
        server.call("POST", "/users", org.adminToken(), Map.of("email", email, "password", TestApi.PASSWORD, "role", "viewer"));
        TestApi.Response loggedOut = server.login(email, TestApi.PASSWORD);
        String loggedOutAccess = loggedOut.data().get("accessToken").asText();
        String kiosk = server.login(email, TestApi.PASSWORD).data().get("accessToken").asText();
        String desk = server.login(email, TestApi.PASSWORD).data().get("accessToken").asText();

        assertThat(server.call("POST", "/auth/logout", null,
                Map.of("refreshToken", loggedOut.data().get("refreshToken").asText())).status()).isEqualTo(204);
        assertThat(server.call("GET", "/users/me", loggedOutAccess, null).status()).as("logged out").isEqualTo(401);
        assertThat(server.call("GET", "/users/me", kiosk, null).status()).as("another session").isEqualTo(200);

        assertThat(server.call("POST", "/users/me/password", desk,
                Map.of("currentPassword", TestApi.PASSWORD, "newPassword", "a session ending password")).status()).isEqualTo(204);
        TestApi.Response ended = server.call("GET", "/users/me", kiosk, null);
        assertThat(ended.status()).as("after the password change").isEqualTo(401);
        assertThat(ended.body().get("error").get("message").asText()).contains("session has ended");
    }

    @Test
    void aSessionEndsAtItsAbsoluteLifetimeHoweverOftenItIsRefreshed() {
        String refresh = server.login("viewer@" + AUTH_ORG + ".test", TestApi.PASSWORD).data().get("refreshToken").asText();
        try {
            for (int hour = 0; hour < 7 * 24; hour += 12) {
                server.clock.advance(Duration.ofHours(12));
                TestApi.Response refreshed = server.call("POST", "/auth/refresh", null, Map.of("refreshToken", refresh));
                if (refreshed.status() != 200) {
                    assertThat(hour + 12).as("the default absolute lifetime is 7 days").isEqualTo(7 * 24);
                    assertThat(refreshed.body().get("error").get("message").asText()).contains("log in again");
                    return;
                }
                refresh = refreshed.data().get("refreshToken").asText();
            }
            throw new AssertionError("the session was still refreshed after 7 days");
        } finally {
            server.clock.advance(Duration.ofHours(-7 * 24));
        }
    }

    @Test
    void aDisabledUserLosesAccessAtOnce() throws Exception {
        TestApi.Response created = server.call("POST", "/users", org.adminToken(),
                Map.of("email", "leaver@" + AUTH_ORG + ".test", "password", TestApi.PASSWORD, "role", "operator"));
        String token = server.login("leaver@" + AUTH_ORG + ".test", TestApi.PASSWORD).data().get("accessToken").asText();
        String id = created.data().get("id").asText();

        assertThat(server.call("PATCH", "/users/" + id, org.adminToken(), Map.of("disabled", true)).status()).isEqualTo(200);

        assertThat(server.call("GET", "/devices", token, null).status()).isEqualTo(401);
        assertThat(server.login("leaver@" + AUTH_ORG + ".test", TestApi.PASSWORD).status()).isEqualTo(401);
        assertThat(server.database.query("SELECT password_hash FROM users WHERE email = 'leaver@" + AUTH_ORG + ".test'").get(0)
                .get("password_hash").toString()).startsWith("$2a$").doesNotContain(TestApi.PASSWORD);
    }

    /**
     * Issue 18, item 5: a password reset by an admin and disabling a user revoke every refresh token of that user, so
     * a stolen one stops working; enabling the user again does not bring them back.
     */
    @Test
    void aPasswordResetOrDisablingRevokesEveryRefreshTokenOfTheUser() {
        String email = "rotated@" + AUTH_ORG + ".test";
        String id = server.call("POST", "/users", org.adminToken(),
                Map.of("email", email, "password", TestApi.PASSWORD, "role", "operator")).data().get("id").asText();
        String laptop = server.login(email, TestApi.PASSWORD).data().get("refreshToken").asText();
        String phone = server.login(email, TestApi.PASSWORD).data().get("refreshToken").asText();

        assertThat(server.call("PATCH", "/users/" + id, org.adminToken(), Map.of("password", "a brand new password"))
                .status()).isEqualTo(200);
        assertThat(server.call("POST", "/auth/refresh", null, Map.of("refreshToken", laptop)).status()).isEqualTo(401);
        assertThat(server.call("POST", "/auth/refresh", null, Map.of("refreshToken", phone)).status()).isEqualTo(401);

        String afterReset = server.login(email, "a brand new password").data().get("refreshToken").asText();
        assertThat(server.call("PATCH", "/users/" + id, org.adminToken(), Map.of("disabled", true)).status()).isEqualTo(200);
        assertThat(server.call("PATCH", "/users/" + id, org.adminToken(), Map.of("disabled", false)).status()).isEqualTo(200);
        assertThat(server.call("POST", "/auth/refresh", null, Map.of("refreshToken", afterReset)).status()).isEqualTo(401);
    }

    /** Issue 18, item 5: anyone changes their own password, with the current one; their other sessions end. */
    @Test
    void aUserChangesTheirOwnPasswordWithTheCurrentOne() {
        String email = "self-service@" + AUTH_ORG + ".test";
        server.call("POST", "/users", org.adminToken(), Map.of("email", email, "password", TestApi.PASSWORD, "role", "viewer"));
        TestApi.Response login = server.login(email, TestApi.PASSWORD);
        String token = login.data().get("accessToken").asText();
        String otherSession = server.login(email, TestApi.PASSWORD).data().get("refreshToken").asText();

        TestApi.Response wrong = server.call("POST", "/users/me/password", token,
                Map.of("currentPassword", "not the password", "newPassword", "my own new password"));
        assertThat(wrong.status()).isEqualTo(400);
        assertThat(wrong.body().toString()).contains("currentPassword is not your current password");
        assertThat(server.call("POST", "/users/me/password", token,
                Map.of("currentPassword", TestApi.PASSWORD, "newPassword", "short")).status()).isEqualTo(400);

        assertThat(server.call("POST", "/users/me/password", token,
                Map.of("currentPassword", TestApi.PASSWORD, "newPassword", "my own new password")).status()).isEqualTo(204);
        assertThat(server.call("POST", "/auth/refresh", null, Map.of("refreshToken", otherSession)).status()).isEqualTo(401);
        assertThat(server.login(email, TestApi.PASSWORD).status()).isEqualTo(401);
        assertThat(server.login(email, "my own new password").status()).isEqualTo(200);
    }

    /**
     * Issue 18, item 8: an address is unique within its organisation only, so creating a user tells an admin nothing of
     * other organisations; login finds the account by address and password, and asks which organisation when one
     * password opens several.
     */
    @Test
    void anAddressIsUniqueWithinItsOrganisationAndLoginFindsTheAccountByItsPassword() {
        TestApi.Org other = server.organisation(TestApi.uniqueSlug("auth-other"));
        String shared = "shared@" + AUTH_ORG + ".test";
        assertThat(server.call("POST", "/users", org.adminToken(),
                Map.of("email", shared, "password", "password of the first", "role", "viewer")).status()).isEqualTo(201);
        assertThat(server.call("POST", "/users", org.adminToken(),
                Map.of("email", shared.toUpperCase(), "password", "another password", "role", "viewer")).status())
                .as("twice in one organisation").isEqualTo(409);
        assertThat(server.call("POST", "/users", other.adminToken(),
                Map.of("email", shared, "password", "password of the second", "role", "operator")).status())
                .as("the same address in another organisation").isEqualTo(201);

        TestApi.Response first = server.login(shared, "password of the first");
        assertThat(first.data().get("user").get("orgSlug").asText()).isEqualTo(AUTH_ORG);
        TestApi.Response second = server.login(shared, "password of the second");
        assertThat(second.data().get("user").get("orgSlug").asText()).isEqualTo(other.slug());
        assertThat(second.data().get("user").get("role").asText()).isEqualTo("operator");

        String twin = "twin@" + AUTH_ORG + ".test";
        for (TestApi.Org plant : List.of(org, other)) {
            server.call("POST", "/users", plant.adminToken(), Map.of("email", twin, "password", "one password for both",
                    "role", "viewer"));
        }
        TestApi.Response ambiguous = server.login(twin, "one password for both");
        assertThat(ambiguous.status()).isEqualTo(409);
        assertThat(ambiguous.errorCode()).isEqualTo("choose_organisation");
        assertThat(ambiguous.body().at("/error/details").toString()).contains(AUTH_ORG, other.slug());
        TestApi.Response chosen = server.call("POST", "/auth/login", null,
                Map.of("email", twin, "password", "one password for both", "organisation", other.slug()));
        assertThat(chosen.data().get("user").get("orgSlug").asText()).isEqualTo(other.slug());
    }

    @Test
    void anAdminCannotLockThemselvesOut() {
        TestApi.Response demote = server.call("PATCH", "/users/" + org.adminId(), org.adminToken(), Map.of("role", "viewer"));

        assertThat(demote.status()).isEqualTo(422);
        assertThat(server.call("DELETE", "/users/" + org.adminId(), org.adminToken(), null).status()).isEqualTo(422);
    }

    @Test
    void weakPasswordsAndBadRolesAreListedTogether() {
        TestApi.Response refused = server.call("POST", "/users", org.adminToken(),
                Map.of("email", "not-an-email", "password", "short", "role", "root", "shoeSize", 44));

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().get("error").get("details")).extracting(Object::toString).asString()
                .contains("email must match", "password must be at least 10", "role must be one of", "unknown field: shoeSize");
    }
}
