package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 18, items 6 and 7: limits that hold before authentication, an audit log that anonymous clients cannot fill,
 * and failed logins throttled per account whatever address they come from.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class EdgeLimitsIT {

    @Test
    void writesWithoutAUserAreCountedNotAuditedAndOldRowsExpire(TestDatabase database, TestKafka kafka) throws Exception {
        try (TestApi first = TestApi.start(database, kafka)) {
            first.organisation(TestApi.uniqueSlug("audit-first"));
        }
        database.execute("INSERT INTO api_audit (at, request_id, method, path, status)"
                + " VALUES (now() - interval '100 days', 'ancient-request', 'POST', '/api/v1/devices', 201),"
                + " (now() - interval '10 days', 'recent-request', 'POST', '/api/v1/devices', 201)");

        try (TestApi server = TestApi.start(database, kafka, "--audit-retention-days=30")) {
            TestApi.Org org = server.organisation(TestApi.uniqueSlug("audit"));
            await().atMost(Duration.ofSeconds(20)).until(() -> database.query(
                    "SELECT 1 FROM api_audit WHERE request_id = 'ancient-request'").isEmpty());
            assertThat(database.query("SELECT 1 FROM api_audit WHERE request_id = 'recent-request'")).hasSize(1);

            long before = count(database, "SELECT count(*) AS n FROM api_audit WHERE user_id IS NULL");
            for (int i = 0; i < 3; i++) {
                assertThat(server.call("POST", "/devices", null, Map.of("deviceId", "anon-" + i)).status()).isEqualTo(401);
                assertThat(server.call("POST", "/devices", "forged", Map.of("deviceId", "forged-" + i)).status())
                        .isEqualTo(401);
                assertThat(server.login("admin@" + org.slug() + ".test", "wrong password").status()).isEqualTo(401);
            }
            assertThat(count(database, "SELECT count(*) AS n FROM api_audit WHERE user_id IS NULL")).isEqualTo(before);

            assertThat(server.call("DELETE", "/devices/nothing", org.operatorToken(), null).status()).isEqualTo(403);
            assertThat(server.login("admin@" + org.slug() + ".test", TestApi.PASSWORD).status()).isEqualTo(200);
            assertThat(database.query("SELECT status FROM api_audit WHERE path = '/api/v1/devices/nothing'"))
                    .as("a refusal of a user is audited").hasSize(1);
            assertThat(database.query("SELECT 1 FROM api_audit WHERE path = '/api/v1/auth/login' AND status = 200"
                    + " AND entity LIKE 'user/%'")).as("a login is audited").isNotEmpty();
        }
    }

    @Test
    void everyAddressHasABudgetBeforeAuthenticationAndOnlyATrustedProxyNamesTheClient(TestDatabase database,
                                                                                     TestKafka kafka) {
        try (TestApi behindProxy = TestApi.start(database, kafka, "--address-requests-per-minute=10",
                "--trusted-proxies=127.0.0.1")) {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 11; i++) {
                statuses.add(behindProxy.call("GET", "/devices", null, null, Map.of("X-Forwarded-For", "203.0.113.1")).status());
            }
            assertThat(statuses.subList(0, 10)).containsOnly(401);
            TestApi.Response limited = behindProxy.call("GET", "/devices", null, null, Map.of("X-Forwarded-For", "203.0.113.1"));
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.headers().firstValue("Retry-After")).isPresent();
            assertThat(behindProxy.call("GET", "/devices", null, null, Map.of("X-Forwarded-For", "10.0.0.9, 203.0.113.2"))
                    .status()).as("another client behind the proxy").isEqualTo(401);
        }
        try (TestApi direct = TestApi.start(database, kafka, "--address-requests-per-minute=10")) {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 11; i++) {
                statuses.add(direct.call("GET", "/devices", null, null, Map.of("X-Forwarded-For", "198.51.100." + i)).status());
            }
            assertThat(statuses.get(10)).as("a peer that is no proxy cannot choose its address").isEqualTo(429);
        }
    }

    @Test
    void failedLoginsOfOneAccountWaitWhateverTheAddressAndTheRealUserStillGetsIn(TestDatabase database, TestKafka kafka) {
        try (TestApi server = TestApi.start(database, kafka, "--trusted-proxies=127.0.0.1", "--logins-per-minute=5")) {
            String email = "admin@" + server.organisation(TestApi.uniqueSlug("throttle")).slug() + ".test";
            assertThat(loginFrom(server, "198.51.100.7", email, TestApi.PASSWORD).status()).isEqualTo(200);

            for (int i = 1; i <= 5; i++) {
                assertThat(loginFrom(server, "203.0.113." + i, email, "guess number " + i).status()).isEqualTo(401);
            }
            TestApi.Response waiting = loginFrom(server, "203.0.113.6", email, TestApi.PASSWORD);
            assertThat(waiting.status()).as("even the right password waits").isEqualTo(429);
            assertThat(waiting.body().toString()).contains("too many failed logins for this account");
            assertThat(Long.parseLong(waiting.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 300L);

            assertThat(loginFrom(server, "198.51.100.7", email, TestApi.PASSWORD).status())
                    .as("from an address it logged in from before, the user is not held").isEqualTo(200);
        }
    }

    private static TestApi.Response loginFrom(TestApi server, String address, String email, String password) {
        return server.call("POST", "/auth/login", null, Map.of("email", email, "password", password),
                Map.of("X-Forwarded-For", address));
    }

    private static long count(TestDatabase database, String sql) throws Exception {
        return ((Number) database.query(sql).get(0).get("n")).longValue();
    }
}
