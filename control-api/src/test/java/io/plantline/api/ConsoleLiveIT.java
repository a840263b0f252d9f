package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.plantline.embedded.FreePorts;
import io.plantline.testing.HeadlessChromium;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;

/**
 * A console page left open: on a server whose access tokens live {@value #TOKEN_LIFE_S} seconds (on the real clock,
 * checked on the socket every second), a page kept open past several token lives still gets alerts live, and a
 * page whose server went away says it is reconnecting and is live again once the server is back. The organisation
 * is in New York's zone. One server and one browser for the class.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class ConsoleLiveIT {

    private static final int TOKEN_LIFE_S = 4;
    private static final By LIVE = By.id("live");

    private static final int PORT = FreePorts.pick();
    private static TestDatabase database;
    private static TestKafka kafka;
    private static TestApi server;
    private static String orgSlug;
    private static ConsoleBrowser console;

    @BeforeAll
    static void start(TestDatabase testDatabase, TestKafka testKafka) throws Exception {
        Assumptions.assumeTrue(HeadlessChromium.installed(), HeadlessChromium.MISSING);
        database = testDatabase;
        kafka = testKafka;
        orgSlug = TestApi.uniqueSlug("live");
        // Set up on a server whose clock stands still, so no token expires while the organisation is made.
        try (TestApi setUp = TestApi.start(database, kafka)) {
            TestApi.Org org = setUp.organisation(orgSlug);
            for (String device : List.of("press-1", "press-2")) {
                assertThat(setUp.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", device)).status())
                        .isEqualTo(201);
            }
        }
        database.execute("UPDATE organisations SET time_zone = 'America/New_York' WHERE slug = '" + orgSlug + "'");
        server = startServer();
        console = new ConsoleBrowser(HeadlessChromium.start(), () -> server.consoleUrl());
        console.login(orgSlug, "viewer");
    }

    private static TestApi startServer() {
        return TestApi.onSystemClock(database, kafka, "--port=" + PORT, "--access-token-ttl-s=" + TOKEN_LIFE_S,
                "--ws-heartbeat-s=1");
    }

    @AfterAll
    static void stop() {
        if (console != null) {
            console.driver.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aPageKeptOpenPastItsTokensLifeStillGetsAlertsLive() throws Exception {
        console.open("#/alerts");
        console.waitForText(LIVE, "live", ConsoleBrowser.WAIT);
        // Two tokens issued one after the other have both expired: the page's first token is long gone too.
        for (int token = 0; token < 2; token++) {
            String probe = server.login("viewer@" + orgSlug + ".test", TestApi.PASSWORD).data().get("accessToken").asText();
            await().atMost(Duration.ofSeconds(TOKEN_LIFE_S * 3L)).until(() ->
                    server.call("GET", "/organisation", probe, null).status() == 401);
        }
        UUID alertId = TestAlerts.open(server, orgSlug, "press-1", 97.5);
        assertThat(console.waitForText(By.cssSelector("[data-alert='" + alertId + "']"), "97.5", ConsoleBrowser.WAIT))
                .contains("press-1", "active");
        assertThat(console.textOf(LIVE)).isEqualTo("live");
    }

    @Test
    void aPageWhoseServerWentAwaySaysSoAndIsLiveAgainOnceItIsBack() throws Exception {
        console.open("#/alerts");
        console.waitForText(LIVE, "live", ConsoleBrowser.WAIT);
        server.close();
        assertThat(console.waitForText(LIVE, "reconnecting", ConsoleBrowser.WAIT)).contains("last updated at");
        console.screenshot("reconnecting");
        server = startServer();
        console.waitForText(LIVE, "live", Duration.ofSeconds(60));
        UUID alertId = TestAlerts.open(server, orgSlug, "press-2", 98.5);
        assertThat(console.waitForText(By.cssSelector("[data-alert='" + alertId + "']"), "98.5", ConsoleBrowser.WAIT))
                .contains("press-2");
    }
}
