package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The limits at their real defaults: 5 logins per minute per address, 100 requests per minute per user. */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class LoginRateLimitIT {
    /** Unique per run, so records left on a shared Kafka by earlier runs never match. */
    private static final String LIMITS_ORG = TestApi.uniqueSlug("limits-org");


    @Test
    void theSixthLoginInAMinuteAndThe101stRequestAre429WithRetryAfter(TestDatabase database, TestKafka kafka) {
        try (TestApi server = TestApi.start(database, kafka)) {
            TestApi.Org org = server.organisation(LIMITS_ORG);
            try (TestApi limited = TestApi.start(database, kafka, "--logins-per-minute=5", "--user-requests-per-minute=100")) {
                List<Integer> logins = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    logins.add(limited.login("viewer@" + LIMITS_ORG + ".test", i % 2 == 0 ? TestApi.PASSWORD : "wrong password").status());
                }
                assertThat(logins).containsExactly(200, 401, 200, 401, 200, 429);

                List<Integer> requests = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    requests.add(limited.call("GET", "/devices", org.viewerToken(), null).status());
                }
                assertThat(requests).containsOnly(200);
                TestApi.Response limitedAnswer = limited.call("GET", "/devices", org.viewerToken(), null);
                assertThat(limitedAnswer.status()).isEqualTo(429);
                assertThat(limitedAnswer.errorCode()).isEqualTo("rate_limited");
                assertThat(Integer.parseInt(limitedAnswer.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 60);
                assertThat(limited.call("GET", "/devices", org.operatorToken(), null).status())
                        .as("another user has their own budget").isEqualTo(200);
            }
        }
    }
}
