package io.plantline.api.notifications;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.http.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * SMS through an HTTP gateway, as the channel's template says: a POST to {@code url} with {@code headers} and
 * {@code body}, where {@code {{to}}} and {@code {{text}}} stand for the number and the message. Values are encoded
 * for where they stand: URL-encoded in the URL, JSON-escaped in a {@code json} body, form-encoded in a {@code form}
 * body; in headers, line breaks are removed. Any answer but 2xx is a failed attempt.
 */
final class SmsSender implements Sender {

    static final int MAX_TEXT = 300;

    private final HttpClient http;

    SmsSender(HttpClient http) {
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
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .timeout(WebhookSender.TIMEOUT)
                .header("Content-Type", form ? "application/x-www-form-urlencoded" : "application/json")
                .header(WebhookSender.DELIVERY, message.deliveryId().toString())
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        for (Iterator<Map.Entry<String, JsonNode>> headers = settings.path("headers").fields(); headers.hasNext(); ) {
            Map.Entry<String, JsonNode> header = headers.next();
            request.setHeader(header.getKey(), fill(header.getValue().asText(), to, text,
                    value -> value.replaceAll("[\\r\\n]", " ")));
        }
        WebhookSender.expectSuccess(http, request.build());
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
