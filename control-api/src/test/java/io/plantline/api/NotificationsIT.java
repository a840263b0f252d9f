package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.plantline.api.http.Json;
import io.plantline.model.AlertEvent;
import io.plantline.model.AlertStatus;
import io.plantline.model.AlertTransition;
import io.plantline.model.DeviceRef;
import io.plantline.model.Severity;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Notifications end to end: alert records on Kafka become mail (GreenMail), signed webhooks and SMS gateway requests
 * (a local HTTP server), filtered by subscription, held in quiet hours, merged when a sensor flaps, retried with
 * backoff, and never sent twice, across a restart of the server too. Each test has an organisation of its own.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class NotificationsIT {

    private static final int MAX_ATTEMPTS = 3;
    /** Two failures in a row open a channel's breaker for 20 s: shorter than the second retry's pause. */
    private static final int BREAKER_FAILURES = 2;
    private static final Duration BREAKER_COOLDOWN = Duration.ofSeconds(20);
    /** Two sends in a row that time out (15 s each, one at a time). */
    private static final Duration BREAKER_WAIT = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static GreenMail mail;
    private static WebhookReceiver receiver;
    private static TestDatabase database;
    private static TestKafka kafka;
    private static TestApi server;
    private TestApi.Org org;

    @BeforeAll
    static void start(TestDatabase testDatabase, TestKafka testKafka) {
        database = testDatabase;
        kafka = testKafka;
        mail = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        mail.start();
        receiver = new WebhookReceiver();
        server = startServer();
    }

    private static TestApi startServer() {
        return TestApi.start(database, kafka, "--smtp-host=127.0.0.1", "--smtp-port=" + mail.getSmtp().getPort(),
                "--smtp-from=plantline@test.local", "--notify-allow-http=true", "--notify-allow-private-destinations=true", "--notify-retry-base-ms=10000",
                "--notify-max-attempts=" + MAX_ATTEMPTS, "--access-token-ttl-s=86400", // tokens outlive the moved clock
                "--notify-channel-concurrency=1", "--notify-breaker-failures=" + BREAKER_FAILURES,
                "--notify-breaker-cooldown-s=" + BREAKER_COOLDOWN.toSeconds());
    }

    @AfterAll
    static void stop() {
        server.close();
        receiver.close();
        mail.stop();
    }

    @BeforeEach
    void organisation() throws Exception {
        org = server.organisation(TestApi.uniqueSlug("notify"));
        mail.purgeEmailFromAllMailboxes();
    }

    @Test
    void signingSecretsAndGatewayCredentialsAreEncryptedAtRest() throws Exception {
        JsonNode hook = createChannel("sealed hook", "webhook", Map.of("url", receiver.url("/sealed/" + org.slug())));
        String secret = hook.get("signingSecret").asText();
        createChannel("sealed sms", "sms", Map.of("url", receiver.url("/sealed-sms/" + org.slug()), "to", "+15550100",
                "body", "{{text}}", "headers", Map.of("Authorization", "Bearer gateway-credential-" + org.slug())));

        String stored = server.database.query("SELECT settings::text AS settings, coalesce(signing_secret, '') AS secret"
                + " FROM notification_channels WHERE org_slug = '" + org.slug() + "'").toString();
        assertThat(stored).doesNotContain(secret).doesNotContain("gateway-credential");

        subscribe(hook.get("channelId").asText(), Map.of("eventTypes", List.of("alert.opened")));
        publish(alert("press-1", "sealed", AlertTransition.OPENED, Severity.CRITICAL, 95.5));
        WebhookReceiver.Request request = await().atMost(WAIT).until(() -> receiver.requests("/sealed/" + org.slug()),
                requests -> !requests.isEmpty()).get(0);
        assertThat(request.header("Plantline-Signature")).as("still signed with the secret answered")
                .isEqualTo("v1=" + hmac(secret, request.header("Plantline-Timestamp") + "." + request.body()));
    }

    @Test
    void aSendThatCanNeverSucceedFailsAtOnceAndCountsAgainstItsChannel() throws Exception {
        String hook = channel("broken", "webhook", Map.of("url", receiver.url("/broken/" + org.slug())));
        subscribe(hook, Map.of("eventTypes", List.of("alert.opened")));
        // A stored setting no request can be made from: building the request throws, as no retry will change.
        server.database.execute("UPDATE notification_channels SET settings = '{\"url\": \"http://bad host/\"}'"
                + " WHERE org_slug = '" + org.slug() + "' AND channel_id = '" + hook + "'");
        publish(alert("press-9", "hot", AlertTransition.OPENED, Severity.MAJOR, 91.0));

        JsonNode failed = await().atMost(WAIT).until(() -> delivery(hook),
                found -> found.path("status").asText().equals("failed"));
        assertThat(failed.get("attempts").asInt()).isEqualTo(1);
        assertThat(failed.get("lastError").asText()).isEqualTo("the message cannot be sent through this channel");
        JsonNode channel = server.call("GET", "/notification-channels/" + hook, org.adminToken(), null).data();
        assertThat(channel.get("consecutiveFailures").asInt()).isEqualTo(1);
    }

    @Test
    void deletingASubscriptionCancelsItsHeldMessages() throws Exception {
        String hook = channel("held", "webhook", Map.of("url", receiver.url("/held/" + org.slug())));
        String subscription = subscribe(org, hook, Map.of("eventTypes", List.of("alert.opened", "alert.cleared"),
                "minIntervalSeconds", 300));
        publish(alert("press-7", "hot", AlertTransition.OPENED, Severity.MAJOR, 91.0));
        publish(alert("press-7", "hot", AlertTransition.CLEARED, Severity.MAJOR, 80.0));
        await().atMost(WAIT).until(() -> receiver.requests("/held/" + org.slug()).size() == 1
                && deliveries("pending").size() == 1);

        assertThat(server.call("DELETE", "/notification-subscriptions/" + subscription, org.adminToken(), null).status())
                .isEqualTo(204);
        assertThat(deliveries("pending")).as("nothing of the subscription is left to send").isEmpty();
        assertThat(deliveries("cancelled")).singleElement()
                .satisfies(cancelled -> assertThat(cancelled.get("eventType").asText()).isEqualTo("alert.cleared"));
    }

    @Test
    void aReceiverThatNeverAnswersHoldsUpNoOtherOrganisationsMessagesAndItsBreakerOpens() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        accepted.add(silent.accept()); // read nothing, answer nothing
                    } catch (java.io.IOException closed) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String hanging = channel("hanging", "webhook", Map.of("url", "http://127.0.0.1:" + silent.getLocalPort() + "/"));
            for (int i = 0; i < 12; i++) {
                assertThat(server.call("POST", "/notification-channels/" + hanging + "/test", org.adminToken(), null)
                        .status()).isEqualTo(202);
            }
            TestApi.Org other = server.organisation(TestApi.uniqueSlug("notify-other"));
            String otherMail = channel(other, "mail", "email", Map.of("to", List.of("duty@" + other.slug() + ".test")));
            await().atMost(WAIT).until(() -> accepted.size() >= 1);
            assertThat(server.call("POST", "/notification-channels/" + otherMail + "/test", other.adminToken(), null)
                    .status()).isEqualTo(202);

            long started = System.nanoTime();
            awaitMail(1);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the other organisation's mail")
                    .isLessThan(Duration.ofSeconds(5));
            assertThat(accepted.size()).as("requests in flight to the hanging receiver (--notify-channel-concurrency)")
                    .isEqualTo(1);

            // Two timeouts in a row open the breaker: the other ten messages wait, neither sent nor counted.
            awaitBreaker(hanging, "open", BREAKER_FAILURES);
            await().atMost(WAIT).until(() -> deliveries("pending").stream().mapToInt(delivery -> delivery.get("attempts")
                    .asInt()).sum() == BREAKER_FAILURES);
            assertThat(deliveries("pending")).hasSize(12);
            assertThat(accepted).hasSize(BREAKER_FAILURES);

            // After the cool-down one trial goes; it hangs as well, so the breaker opens again and nothing else went.
            server.clock.advance(BREAKER_COOLDOWN.plusSeconds(1));
            await().atMost(WAIT).until(() -> accepted.size() == BREAKER_FAILURES + 1);
            assertThat(server.call("GET", "/notification-channels/" + hanging, org.adminToken(), null).data()
                    .get("breaker").asText()).isEqualTo("half-open");
            awaitBreaker(hanging, "open", BREAKER_FAILURES + 1);
            assertThat(accepted).hasSize(BREAKER_FAILURES + 1);
            assertThat(deliveries("failed")).isEmpty();
        }
    }

    @Test
    void anAlertReachesMailAndASignedWebhookOnceAndTheLogSaysSo() throws Exception {
        String channelMail = channel("mail", "email", Map.of("to", List.of("duty@" + org.slug() + ".test")));
        JsonNode hook = createChannel("hook", "webhook", Map.of("url", receiver.url("/hook/" + org.slug())));
        subscribe(channelMail, Map.of("eventTypes", List.of("alert.opened")));
        subscribe(hook.get("channelId").asText(), Map.of("eventTypes", List.of("alert.opened", "alert.cleared")));

        AlertEvent opened = alert("press-1", "hot", AlertTransition.OPENED, Severity.CRITICAL, 95.5);
        publish(opened);
        publish(opened); // delivered twice by Kafka: told once

        MimeMessage message = awaitMail(1).get(0);
        assertThat(message.getSubject()).contains("CRITICAL", "press-1", "temperature", "95.5", "hot");
        String body = GreenMailUtil.getBody(message);
        assertThat(body).contains("Device: press-1", "Rule: hot", "Value: 95.5",
                server.consoleUrl() + "#/alerts/" + opened.alertId());
        assertThat(message.getAllRecipients()[0].toString()).isEqualTo("duty@" + org.slug() + ".test");

        WebhookReceiver.Request request = await().atMost(WAIT).until(() -> receiver.requests("/hook/" + org.slug()),
                requests -> !requests.isEmpty()).get(0);
        String timestamp = request.header("Plantline-Timestamp");
        assertThat(request.header("Plantline-Signature"))
                .isEqualTo("v1=" + hmac(hook.get("signingSecret").asText(), timestamp + "." + request.body()));
        JsonNode payload = Json.MAPPER.readTree(request.body());
        assertThat(payload.get("type").asText()).isEqualTo("alert.opened");
        assertThat(payload.get("id").asText()).isEqualTo(request.header("Plantline-Delivery"));
        assertThat(payload.get("data").get("value").asDouble()).isEqualTo(95.5);

        // The clear reaches the webhook only; then nothing more arrived for the opening read twice.
        publish(alert("press-1", "hot", AlertTransition.CLEARED, Severity.CRITICAL, 80.0));
        await().atMost(WAIT).until(() -> receiver.requests("/hook/" + org.slug()).size() == 2);
        assertThat(mail.getReceivedMessages()).hasSize(1);
        assertThat(awaitDelivered(3)).hasSize(3)
                .allSatisfy(delivery -> assertThat(delivery.get("attempts").asInt()).isEqualTo(1));
        assertThat(server.call("GET", "/notification-channels/" + hook.get("channelId").asText(), org.adminToken(), null)
                .data().has("signingSecret")).as("the secret is shown once").isFalse();
    }

    @Test
    void aFailingReceiverIsRetriedWithBackoffGivenUpAfterTheLimitAndHoldsBackNoOtherChannel() throws Exception {
        String flaky = channel("flaky", "webhook", Map.of("url", receiver.url("/flaky/" + org.slug())));
        String down = channel("down", "webhook", Map.of("url", receiver.url("/down/" + org.slug())));
        String healthy = channel("healthy", "webhook", Map.of("url", receiver.url("/healthy/" + org.slug())));
        for (String channel : List.of(flaky, down, healthy)) {
            subscribe(channel, Map.of("eventTypes", List.of("alert.opened")));
        }
        receiver.answer("/flaky/" + org.slug(), 500, 503);
        receiver.answer("/down/" + org.slug(), 500, 500, 500, 500);

        publish(alert("press-2", "hot", AlertTransition.OPENED, Severity.MAJOR, 91.0));
        await().atMost(WAIT).until(() -> receiver.requests("/healthy/" + org.slug()).size() == 1);
        awaitAttempts(flaky, 1);
        awaitAttempts(down, 1);

        // The first retry waits 10 s, the second 20 s: nothing is sent again before the clock gets there.
        server.clock.advance(Duration.ofSeconds(9));
        assertThat(receiver.requests("/flaky/" + org.slug())).hasSize(1);
        server.clock.advance(Duration.ofSeconds(2));
        awaitAttempts(flaky, 2);
        awaitAttempts(down, 2);
        server.clock.advance(Duration.ofSeconds(21));
        await().atMost(WAIT).until(() -> delivery(flaky).path("status").asText().equals("delivered"));
        await().atMost(WAIT).until(() -> delivery(down).path("status").asText().equals("failed"));

        assertThat(delivery(flaky).get("attempts").asInt()).isEqualTo(3);
        assertThat(receiver.requests("/flaky/" + org.slug())).hasSize(3)
                .extracting(request -> request.header("Plantline-Delivery")).as("one idempotency key").hasSameElementsAs(
                        List.of(delivery(flaky).get("deliveryId").asText()));
        JsonNode failed = delivery(down);
        assertThat(failed.get("attempts").asInt()).isEqualTo(MAX_ATTEMPTS);
        assertThat(failed.get("lastError").asText()).contains("HTTP 500");
        JsonNode channel = server.call("GET", "/notification-channels/" + down, org.adminToken(), null).data();
        assertThat(channel.get("healthy").asBoolean()).isFalse();
        assertThat(channel.get("lastError").asText()).contains("HTTP 500");
        JsonNode mended = server.call("GET", "/notification-channels/" + flaky, org.adminToken(), null).data();
        assertThat(mended.get("healthy").asBoolean()).isTrue();
        assertThat(mended.get("breaker").asText()).as("closed again by the trial that went through").isEqualTo("closed");
    }

    @Test
    void subscriptionsFilterByTypeSeverityGroupAndRuleWithinTheirOrganisation() throws Exception {
        assertThat(server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "press-3")).status()).isEqualTo(201);
        assertThat(server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "presses", "name", "Presses",
                "deviceIds", List.of("press-3"))).status()).isEqualTo(201);
        String hook = channel("filtered", "webhook", Map.of("url", receiver.url("/filtered/" + org.slug())));
        subscribe(hook, Map.of("eventTypes", List.of("alert.opened"), "minSeverity", "MAJOR", "groupId", "presses",
                "ruleId", "hot"));
        TestApi.Org other = server.organisation(TestApi.uniqueSlug("notify-other"));
        String theirs = channel(other, "theirs", "webhook", Map.of("url", receiver.url("/theirs/" + other.slug())));
        subscribe(other, theirs, Map.of("eventTypes", List.of("alert.opened")));

        publish(alert("press-3", "hot", AlertTransition.OPENED, Severity.WARNING, 1.0));   // below MAJOR
        publish(alert("press-4", "hot", AlertTransition.OPENED, Severity.CRITICAL, 2.0));  // not in the group
        publish(alert("press-3", "cold", AlertTransition.OPENED, Severity.CRITICAL, 3.0)); // another rule
        publish(alert("press-3", "hot", AlertTransition.ESCALATED, Severity.CRITICAL, 4.0)); // another type
        publish(alert("press-3", "hot", AlertTransition.OPENED, Severity.CRITICAL, 5.0));

        await().atMost(WAIT).until(() -> receiver.requests("/filtered/" + org.slug()).size() == 1);
        assertThat(Json.MAPPER.readTree(receiver.requests("/filtered/" + org.slug()).get(0).body())
                .get("data").get("value").asDouble()).isEqualTo(5.0);
        assertThat(receiver.requests("/theirs/" + other.slug())).as("another organisation's subscription").isEmpty();
        assertThat(server.call("GET", "/notification-deliveries", org.adminToken(), null).data()).hasSize(1);
        assertThat(server.call("GET", "/notification-channels/" + hook, other.adminToken(), null).status()).isEqualTo(404);
        assertThat(server.call("GET", "/notification-deliveries", other.adminToken(), null).data()).isEmpty();
    }

    @Test
    void aRetryThatWouldFallInQuietHoursWaitsForTheirEnd() throws Exception {
        LocalTime now = LocalTime.ofInstant(server.clock.instant(), ZoneOffset.UTC);
        DateTimeFormatter hhmm = DateTimeFormatter.ofPattern("HH:mm");
        String path = "/late-retry/" + org.slug();
        receiver.answer(path, 500);
        String hook = channel("late retry", "webhook", Map.of("url", receiver.url(path)));
        // Quiet from the next whole minute but one for an hour: the first attempt is outside, its retry inside.
        LocalTime quietFrom = now.plusMinutes(2).withSecond(0).withNano(0);
        subscribe(hook, Map.of("eventTypes", List.of("alert.opened"), "quietFrom", quietFrom.format(hhmm),
                "quietTo", quietFrom.plusHours(1).format(hhmm)));
        publish(alert("press-6", "hot", AlertTransition.OPENED, Severity.MAJOR, 91.0));
        awaitAttempts(hook, 1);

        server.clock.advance(Duration.ofMinutes(5));
        await().atMost(WAIT).until(() -> delivery(hook).get("attempts").asInt() != 1
                || Instant.parse(delivery(hook).get("nextAttemptAt").asText()).isAfter(server.clock.instant()));
        assertThat(receiver.requests(path)).as("nothing sent in quiet hours").hasSize(1);
        assertThat(delivery(hook).get("attempts").asInt()).isEqualTo(1);
        assertThat(LocalTime.ofInstant(Instant.parse(delivery(hook).get("nextAttemptAt").asText()), ZoneOffset.UTC))
                .isEqualTo(quietFrom.plusHours(1));
    }

    @Test
    void quietHoursHoldMessagesUntilTheyEndAndSendOneThatStandsForThemAll() throws Exception {
        LocalTime now = LocalTime.ofInstant(server.clock.instant(), ZoneOffset.UTC);
        DateTimeFormatter hhmm = DateTimeFormatter.ofPattern("HH:mm");
        String quiet = channel("night", "email", Map.of("to", List.of("night@" + org.slug() + ".test")));
        subscribe(quiet, Map.of("eventTypes", List.of("alert.opened", "alert.escalated", "alert.cleared"),
                "quietFrom", now.minusHours(1).format(hhmm), "quietTo", now.plusHours(1).format(hhmm)));

        publish(alert("press-5", "hot", AlertTransition.OPENED, Severity.MAJOR, 91.0));
        publish(alert("press-5", "hot", AlertTransition.ESCALATED, Severity.CRITICAL, 99.0));
        publish(alert("press-5", "hot", AlertTransition.CLEARED, Severity.CRITICAL, 70.0));
        await().atMost(WAIT).until(() -> deliveries("pending").size() == 1
                && deliveries("pending").get(0).get("mergedCount").asInt() == 2);
        assertThat(deliveries(null)).as("one row for the three events").hasSize(1);
        assertThat(mail.getReceivedMessages()).isEmpty();

        server.clock.advance(Duration.ofMinutes(61));
        MimeMessage message = awaitMail(1).get(0);
        assertThat(message.getSubject()).contains("cleared", "press-5");
        assertThat(GreenMailUtil.getBody(message)).contains("2 earlier message(s) about this since");
        assertThat(awaitDelivered(1)).singleElement().satisfies(delivery ->
                assertThat(delivery.get("mergedCount").asInt()).isEqualTo(2));
    }

    @Test
    void aFlappingSensorSendsAtMostOneMessageAMinimumIntervalAndTheHeldOnesAreCountedOnOneRow() throws Exception {
        String hook = channel("flapping", "webhook", Map.of("url", receiver.url("/flap/" + org.slug())));
        subscribe(hook, Map.of("eventTypes", List.of("alert.opened", "alert.cleared"), "minIntervalSeconds", 600));

        List<AlertEvent> flaps = new java.util.ArrayList<>();
        for (int flap = 0; flap < 3; flap++) {
            flaps.add(alert("press-6", "hot", AlertTransition.OPENED, Severity.MAJOR, 91.0 + flap));
            flaps.add(alert("press-6", "hot", AlertTransition.CLEARED, Severity.MAJOR, 80.0));
            flaps.subList(flaps.size() - 2, flaps.size()).forEach(this::publish);
            server.clock.advance(Duration.ofSeconds(1));
        }
        await().atMost(WAIT).until(() -> deliveries("pending").size() == 1
                && deliveries("pending").get(0).get("mergedCount").asInt() == 4);
        assertThat(receiver.requests("/flap/" + org.slug())).hasSize(1);
        // Read again (a consumer restart): an event the held message already stands for is not counted twice.
        publish(flaps.get(2));
        publish(alert("press-6", "cold", AlertTransition.OPENED, Severity.MAJOR, 5.0)); // another key, sent at once
        await().atMost(WAIT).until(() -> receiver.requests("/flap/" + org.slug()).size() == 2);
        assertThat(deliveries(null)).as("the sent one, the other rule's, and one row for the four held back")
                .hasSize(3);
        assertThat(deliveries("pending")).singleElement()
                .satisfies(held -> assertThat(held.get("mergedCount").asInt()).isEqualTo(4));

        server.clock.advance(Duration.ofSeconds(600));
        await().atMost(WAIT).until(() -> receiver.requests("/flap/" + org.slug()).size() == 3);
        JsonNode second = Json.MAPPER.readTree(receiver.requests("/flap/" + org.slug()).get(2).body());
        assertThat(second.get("type").asText()).isEqualTo("alert.cleared");
        assertThat(second.get("merged").get("count").asInt()).isEqualTo(4);
    }

    @Test
    void anSmsGoesThroughTheGatewayTemplateWithItsCredentialsNeverShownAgain() throws Exception {
        JsonNode sms = createChannel("sms", "sms", Map.of("url", receiver.url("/sms/" + org.slug()) + "?to={{to}}",
                "to", "+49 170 1234567", "body", "{\"to\":\"{{to}}\",\"text\":\"{{text}}\"}",
                "headers", Map.of("Authorization", "Bearer gateway-key")));
        assertThat(sms.get("settings").get("headers").get("Authorization").asText()).isEqualTo("***");
        subscribe(sms.get("channelId").asText(), Map.of("eventTypes", List.of("device.offline")));

        publish(new AlertEvent(UUID.randomUUID().toString(), new DeviceRef(org.slug(), "press-7"), "DEVICE_OFFLINE",
                "heartbeat", Severity.MAJOR, AlertStatus.ACTIVE, AlertTransition.OPENED, Instant.now(), Instant.now(),
                Optional.empty(), Optional.empty(), Optional.empty()));

        WebhookReceiver.Request request = await().atMost(WAIT).until(() -> receiver.requests("/sms/" + org.slug()),
                requests -> !requests.isEmpty()).get(0);
        assertThat(request.query()).isEqualTo("to=%2B49+170+1234567");
        assertThat(request.header("Authorization")).isEqualTo("Bearer gateway-key");
        JsonNode body = Json.MAPPER.readTree(request.body());
        assertThat(body.get("to").asText()).isEqualTo("+49 170 1234567");
        assertThat(body.get("text").asText()).isEqualTo("press-7 is offline");
    }

    @Test
    void aTestMessageReachesTheChannelAndBadChannelsAreRefusedWithEveryProblem() throws Exception {
        String channel = channel("desk", "email", Map.of("to", List.of("desk@" + org.slug() + ".test")));
        TestApi.Response test = server.call("POST", "/notification-channels/" + channel + "/test", org.adminToken(), null);
        assertThat(test.status()).isEqualTo(202);
        assertThat(awaitMail(1).get(0).getSubject()).contains("test message to channel desk");

        TestApi.Response refused = server.call("POST", "/notification-channels", org.adminToken(), Map.of("name", "bad",
                "type", "sms", "settings", Map.of("url", "ftp://gateway", "to", "call me", "headers", Map.of("Host", "x"))));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().get("error").get("details")).extracting(JsonNode::asText).contains(
                "settings.url must be an absolute http or https URL", "settings.to must match \\+?[0-9][0-9 ()-]{2,31}",
                "settings.body is required", "settings.headers: Host is not a header name the gateway request may set");
        assertThat(server.call("POST", "/notification-subscriptions", org.adminToken(), Map.of("channelId",
                UUID.randomUUID().toString(), "eventTypes", List.of("alert.exploded"))).body().get("error").get("details"))
                .extracting(JsonNode::asText).contains("channelId names no channel of this organisation",
                        "eventTypes must be one or more of " + String.join(", ", List.of("alert.opened", "alert.escalated",
                                "alert.cleared", "device.offline", "device.online", "rollout.paused", "rollout.completed",
                                "rollout.failed")));
        assertThat(server.call("GET", "/notification-channels", org.operatorToken(), null).status()).isEqualTo(403);
    }

    @Test
    void aRestartSendsWhatWasHeldOnceAndNothingAlreadySentAgain() throws Exception {
        String hook = channel("restart", "webhook", Map.of("url", receiver.url("/restart/" + org.slug())));
        subscribe(hook, Map.of("eventTypes", List.of("alert.opened", "alert.cleared"), "minIntervalSeconds", 300));
        publish(alert("press-8", "hot", AlertTransition.OPENED, Severity.MAJOR, 91.0));
        publish(alert("press-8", "hot", AlertTransition.CLEARED, Severity.MAJOR, 80.0));
        await().atMost(WAIT).until(() -> receiver.requests("/restart/" + org.slug()).size() == 1
                && deliveries("pending").size() == 1);

        Instant before = server.clock.instant();
        server.close();
        server = startServer();
        // 301 s after the old server's time, from the new clock's own reading: the wall clock goes on while the server
        // starts, and a start longer than a second would leave the clock short of the held message's time.
        server.clock.advance(Duration.between(server.clock.instant(), before).plusSeconds(301));
        await().atMost(WAIT).until(() -> receiver.requests("/restart/" + org.slug()).size() == 2);
        publish(alert("press-8", "cold", AlertTransition.OPENED, Severity.MAJOR, 5.0));
        await().atMost(WAIT).until(() -> receiver.requests("/restart/" + org.slug()).size() == 3);
        assertThat(receiver.requests("/restart/" + org.slug())).extracting(request -> request.header("Plantline-Delivery"))
                .doesNotHaveDuplicates();
        assertThat(awaitDelivered(3)).hasSize(3);
    }

    private List<MimeMessage> awaitMail(int count) {
        return await().atMost(WAIT).until(() -> List.of(mail.getReceivedMessages()), messages -> messages.size() >= count);
    }

    /** The channel once its breaker is in {@code state} after {@code failures} failures in a row. */
    private void awaitBreaker(String channelId, String state, int failures) {
        await().atMost(BREAKER_WAIT).until(() -> server.call("GET", "/notification-channels/" + channelId,
                org.adminToken(), null).data(), channel -> channel.get("breaker").asText().equals(state)
                && channel.get("consecutiveFailures").asInt() == failures);
    }

    private void awaitAttempts(String channelId, int attempts) {
        await().atMost(WAIT).until(() -> delivery(channelId).path("attempts").asInt() == attempts
                && delivery(channelId).path("lastError").isTextual());
    }

    /** The channel's newest delivery; a missing node until the event has been taken in, so waits can poll it at once. */
    private JsonNode delivery(String channelId) {
        return server.call("GET", "/notification-deliveries?channelId=" + channelId, org.adminToken(), null).data().path(0);
    }

    /** The delivered ones, once there are {@code count}: a receiver has a message before its sender records it sent. */
    private List<JsonNode> awaitDelivered(int count) {
        return await().atMost(WAIT).until(() -> deliveries("delivered"), delivered -> delivered.size() >= count);
    }

    /** The organisation's delivery log, of one status or (null) all. */
    private List<JsonNode> deliveries(String status) {
        TestApi.Response answer = server.call("GET", "/notification-deliveries" + (status == null ? "" : "?status="
                + status), org.adminToken(), null);
        assertThat(answer.status()).as(String.valueOf(answer.body())).isEqualTo(200);
        JsonNode list = answer.data();
        return java.util.stream.StreamSupport.stream(list.spliterator(), false).toList();
    }

    private String channel(String name, String type, Map<String, Object> settings) {
        return channel(org, name, type, settings);
    }

    private String channel(TestApi.Org owner, String name, String type, Map<String, Object> settings) {
        return createChannel(owner, name, type, settings).get("channelId").asText();
    }

    private JsonNode createChannel(String name, String type, Map<String, Object> settings) {
        return createChannel(org, name, type, settings);
    }

    private static JsonNode createChannel(TestApi.Org owner, String name, String type, Map<String, Object> settings) {
        TestApi.Response created = server.call("POST", "/notification-channels", owner.adminToken(),
                Map.of("name", name, "type", type, "settings", settings));
        assertThat(created.status()).as(String.valueOf(created.body())).isEqualTo(201);
        return created.data();
    }

    private void subscribe(String channelId, Map<String, Object> filters) {
        subscribe(org, channelId, filters);
    }

    private static String subscribe(TestApi.Org owner, String channelId, Map<String, Object> filters) {
        Map<String, Object> body = new LinkedHashMap<>(filters);
        body.put("channelId", channelId);
        TestApi.Response created = server.call("POST", "/notification-subscriptions", owner.adminToken(), body);
        assertThat(created.status()).as(String.valueOf(created.body())).isEqualTo(201);
        return created.data().get("subscriptionId").asText();
    }

    private AlertEvent alert(String deviceId, String ruleId, AlertTransition transition, Severity severity, double value) {
        Instant at = server.clock.instant();
        AlertStatus status = transition == AlertTransition.CLEARED ? AlertStatus.CLEARED : AlertStatus.ACTIVE;
        return new AlertEvent(UUID.randomUUID().toString(), new DeviceRef(org.slug(), deviceId), ruleId, "temperature",
                severity, status, transition, at, at, Optional.of(value), Optional.of(value), Optional.empty());
    }

    private void publish(AlertEvent event) {
        kafka.produce(Topics.ALERTS, event.device().key(), RecordJson.write(event));
    }

    private static String hmac(String secret, String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }
}
