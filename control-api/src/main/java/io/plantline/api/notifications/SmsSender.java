package io.plantline.api.notifications;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.http.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * SMS through an HTTP gateway, as the channel's template says: a POST to {@code url} with {@code headers} and
 * {@code body}, where {@code {{to}}} and {@code {{text}}} stand for the number and the message. Values are encoded
 * for where they stand: URL-encoded in the URL, JSON-escaped in a {@code json} body, form-encoded in a {@code form}
 * body; in headers, line breaks are removed. Any answer but 2xx is a failed attempt; the gateway is held to the
 * {@link DestinationPolicy} ({@link GuardedHttp}).
 */
final class SmsSender implements Sender {

    static final int MAX_TEXT = 300;

    private final GuardedHttp http;

    SmsSender(GuardedHttp http) {
        this.http = http;
    }

    @Override
    public void send(Channel channel, Outgoing message) throws DeliveryFailure {
        JsonNode settings = channel.settings();
        String shortText = message.shortText();
        String text = shortText.length() > MAX_TEXT ? shortText.substring(0, MAX_TEXT - 3) + "..." : shortText;
        String to = settings.path("to").asText();
        boolean form = settings.path("encoding").asText("json").equals("form");
        URI url = URI.create(fill(settings.path("url").asText(), to, text, SmsSender::urlEncoded));
        String body = fill(settings.path("body").asText(), to, text, form ? SmsSender::urlEncoded : SmsSender::jsonEscaped);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("Content-Type", form ? "application/x-www-form-urlencoded" : "application/json");
        headers.put(WebhookSender.DELIVERY, message.deliveryId().toString());
        for (Iterator<Map.Entry<String, JsonNode>> template = settings.path("headers").fields(); template.hasNext(); ) {
            Map.Entry<String, JsonNode> header = template.next();
            headers.put(header.getKey(), fill(header.getValue().asText(), to, text,
                    value -> value.replaceAll("[\\r\\n]", " ")));
        }
        http.post(url, headers, body);
    }

    private static String fill(String template, String to, String text, UnaryOperator<String> encode) {
        return template.replace("{{to}}", encode.apply(to)).replace("{{text}}", encode.apply(text));
    }

    private static String urlEncoded(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String jsonEscaped(String value) {
        String quoted = Json.write(value);
        return quoted.substring(1, quoted.length() - 1);
    }
}
