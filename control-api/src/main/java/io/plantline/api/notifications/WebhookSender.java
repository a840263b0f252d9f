package io.plantline.api.notifications;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An HTTPS POST of the message's JSON. The receiver verifies it with the channel's secret:
 * {@code Plantline-Signature: v1=<hex HMAC-SHA256 of "<Plantline-Timestamp>.<body>">}, and refuses a timestamp too
 * far from its clock (a replay); {@code Plantline-Delivery} is the idempotency key, the same on every retry. Any
 * answer but 2xx is a failed attempt; redirects are not followed, and the destination is held to the
 * {@link DestinationPolicy} ({@link GuardedHttp}).
 */
final class WebhookSender implements Sender {

    static final String SIGNATURE = "Plantline-Signature";
    static final String TIMESTAMP = "Plantline-Timestamp";
    static final String DELIVERY = "Plantline-Delivery";
    static final String EVENT = "Plantline-Event";
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final GuardedHttp http;
    private final Clock clock;

    WebhookSender(GuardedHttp http, Clock clock) {
        this.http = http;
        this.clock = clock;
    }

    @Override
    public void send(Channel channel, Outgoing message) throws DeliveryFailure {
        String body = message.json();
        String timestamp = String.valueOf(clock.instant().getEpochSecond());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put(EVENT, message.event().type());
        headers.put(DELIVERY, message.deliveryId().toString());
        headers.put(TIMESTAMP, timestamp);
        headers.put(SIGNATURE, "v1=" + sign(channel.signingSecret(), timestamp + "." + body));
        http.post(URI.create(channel.settings().path("url").asText()), headers, body);
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
