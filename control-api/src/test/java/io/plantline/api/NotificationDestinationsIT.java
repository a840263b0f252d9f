package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Where the server sends webhooks and SMS gateway requests by default: never to its own machine, link-local, private
 * or loopback addresses, checked on the address it connects to, and the delivery log does not say what it found.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class NotificationDestinationsIT {

    private static WebhookReceiver internal;
    private static TestApi server;
    private static TestApi.Org org;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) {
        internal = new WebhookReceiver();
        server = TestApi.start(database, kafka, "--notify-allow-http=true");
        org = server.organisation(TestApi.uniqueSlug("destinations"));
    }

    @AfterAll
    static void stop() {
        server.close();
        internal.close();
    }

    @Test
    void addressLiteralsOfInternalNetworksAreRefusedWhenTheChannelIsSaved() {
        for (String url : List.of("http://169.254.169.254/latest/meta-data", "http://127.0.0.1:5432/", "http://10.0.0.7/",
                "http://[::1]:8080/", "http://192.168.1.1/sms?to={{to}}")) {
            String type = url.contains("{{to}}") ? "sms" : "webhook";
            Map<String, Object> settings = type.equals("sms") ? Map.of("url", url, "to", "+15550100", "body", "{{text}}")
                    : Map.of("url", url);
            TestApi.Response refused = server.call("POST", "/notification-channels", org.adminToken(),
                    Map.of("name", "probe", "type", type, "settings", settings));
            assertThat(refused.status()).as(url).isEqualTo(400);
            assertThat(refused.body().get("error").get("details").toString()).as(url).contains("not allowed");
        }
    }

    @Test
    void aNameThatLeadsToTheLoopbackIsRefusedWhenConnectingAndTheLogSaysNoMore() {
        String path = "/internal/" + org.slug();
        String url = internal.url(path).replace("127.0.0.1", "localhost");
        TestApi.Response created = server.call("POST", "/notification-channels", org.adminToken(),
                Map.of("name", "looks public", "type", "webhook", "settings", Map.of("url", url)));
        assertThat(created.status()).isEqualTo(201);
        String channelId = created.data().get("channelId").asText();
        String deliveryId = server.call("POST", "/notification-channels/" + channelId + "/test", org.adminToken(), null)
                .data().get("deliveryId").asText();

        JsonNode delivery = await().atMost(Duration.ofSeconds(30)).until(() -> server.call("GET",
                "/notification-deliveries/" + deliveryId, org.adminToken(), null).data(), found -> !found.get("status").asText().equals("pending"));
        assertThat(delivery.get("status").asText()).isEqualTo("failed");
        assertThat(delivery.get("lastError").asText()).isEqualTo("the destination is not allowed");
        assertThat(internal.requests(path)).isEmpty();
    }
}
