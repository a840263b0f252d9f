package io.plantline.api.notifications;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An HTTPS POST of the message's JSON. The receiver verifies it with the channel's secret:
 * {@code Plantline-Signature: v1=<hex HMAC-SHA256 of "<Plantline-Timestamp>.<body>">}, and refuses a timestamp too
 * far from its clock (a replay); {@code Plantline-Delivery} is the idempotency key, the same on every retry. Any
 * answer but 2xx is a failed attempt; redirects are not followed.
 */
final class WebhookSender implements Sender {

    static final String SIGNATURE = "Plantline-Signature";
    static final String TIMESTAMP = "Plantline-Timestamp";
    static final String DELIVERY = "Plantline-Delivery";
    static final String EVENT = "Plantline-Event";
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final HttpClient http;
    private final Clock clock;

    WebhookSender(HttpClient http, Clock clock) {
        this.http = http;
        this.clock = clock;
    }

    @Override
    public void send(Channel channel, Outgoing message) throws DeliveryFailure {
        String body = message.json();
        String timestamp = String.valueOf(clock.instant().getEpochSecond());
        HttpRequest request = HttpRequest.newBuilder(URI.create(channel.settings().path("url").asText()))
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .header(EVENT, message.event().type())
                .header(DELIVERY, message.deliveryId().toString())
                .header(TIMESTAMP, timestamp)
                .header(SIGNATURE, "v1=" + sign(channel.signingSecret(), timestamp + "." + body))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        expectSuccess(http, request);
    }

    /** Sends {@code request}; anything but a 2xx answer is a failure naming the status. */
    static void expectSuccess(HttpClient http, HttpRequest request) throws DeliveryFailure {
        try {
            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status / 100 != 2) {
                throw new DeliveryFailure("the receiver answered HTTP " + status);
            }
        } catch (IOException e) {
            throw new DeliveryFailure("the receiver could not be reached: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryFailure("interrupted while sending");
        }
    }

    static String sign(String secret, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
