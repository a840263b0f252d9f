package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Issue 18, item 9: a dashboard on another origin calls the API when its origin is listed, and only then. */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class CorsIT {

    private static final String DASHBOARD = "https://dashboard.plant.test";
    private static TestApi server;
    private static TestApi.Org org;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) {
        server = TestApi.start(database, kafka, "--cors-origins=" + DASHBOARD + ", http://localhost:3000");
        org = server.organisation(TestApi.uniqueSlug("cors"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aListedOriginIsAnsweredItsPreflightAndSeesTheAnswers() {
        TestApi.Response preflight = server.call("OPTIONS", "/devices", null, null, Map.of("Origin", DASHBOARD,
                "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization, content-type"));
        assertThat(preflight.status()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).contains(DASHBOARD);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElseThrow()).contains("POST", "PATCH");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow())
                .contains("Authorization", "Content-Type");

        TestApi.Response devices = server.call("GET", "/devices", org.viewerToken(), null, Map.of("Origin", DASHBOARD));
        assertThat(devices.status()).isEqualTo(200);
        assertThat(devices.headers().firstValue("Access-Control-Allow-Origin")).contains(DASHBOARD);
        assertThat(devices.headers().firstValue("Access-Control-Expose-Headers").orElseThrow()).contains("X-Request-Id");
    }

    @Test
    void anyOtherOriginGetsNoCorsHeaderAndItsPreflightIsRefused() {
        TestApi.Response preflight = server.call("OPTIONS", "/devices", null, null, Map.of("Origin", "https://evil.test",
                "Access-Control-Request-Method", "DELETE"));
        assertThat(preflight.status()).isEqualTo(403);
        assertThat(preflight.errorCode()).isEqualTo("origin_not_allowed");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

        TestApi.Response devices = server.call("GET", "/devices", org.viewerToken(), null, Map.of("Origin", "https://evil.test"));
        assertThat(devices.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }
}
