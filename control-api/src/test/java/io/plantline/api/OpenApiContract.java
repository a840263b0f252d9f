package io.plantline.api;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Holds every exchange of the API tests to the OpenAPI document the server publishes: each answer must be one the
 * document describes for its operation and status (no field more, none missing, the types it names), and a request the
 * document calls invalid must be refused. A field added in code and not in the document fails the test that sees it.
 */
final class OpenApiContract {

    private static final OpenApiInteractionValidator VALIDATOR =
            OpenApiInteractionValidator.createForInlineApiSpecification(document()).build();

    private OpenApiContract() {
    }

    /** One exchange as the test's client saw it; {@code uri} is the absolute address called. */
    record Exchange(String method, URI uri, Map<String, String> requestHeaders, byte[] requestBody, int status,
                    HttpHeaders responseHeaders, byte[] responseBody) {
    }

    /** @throws AssertionError naming each way the exchange departs from the document */
    static void check(Exchange exchange) {
        if (exchange.method().equals("OPTIONS")) {
            return; // a CORS preflight: answered by the CORS filter for every route, not an operation of the API
        }
        Request request = request(exchange);
        ValidationReport answer = VALIDATOR.validateResponse(request.getPath(), request.getMethod(), response(exchange));
        ValidationReport asked = VALIDATOR.validateRequest(request);
        if (isUndocumentedRoute(asked)) {
            if (exchange.status() != 404 && exchange.status() != 405) {
                throw failure(exchange, "answered " + exchange.status() + " on a route the document does not have", asked);
            }
            return;
        }
        if (answer.hasErrors()) {
            throw failure(exchange, "the answer is not the one the document describes", answer);
        }
        if (refusesIgnoringBodies(asked) && exchange.status() < 400) {
            throw failure(exchange, "the server accepted a request the document calls invalid", asked);
        }
    }

    /** Errors of the request other than a body sent to a route that takes none, which the API ignores by its conventions. */
    private static boolean refusesIgnoringBodies(ValidationReport report) {
        return report.getMessages().stream().anyMatch(message -> message.getLevel() == ValidationReport.Level.ERROR
                && !message.getKey().equals("validation.request.body.unexpected"));
    }

    private static boolean isUndocumentedRoute(ValidationReport report) {
        return report.getMessages().stream().anyMatch(message -> message.getKey().equals("validation.request.path.missing")
                || message.getKey().equals("validation.request.operation.notAllowed"));
    }

    private static Request request(Exchange exchange) {
        SimpleRequest.Builder request = new SimpleRequest.Builder(exchange.method(), exchange.uri().getRawPath());
        exchange.requestHeaders().forEach(request::withHeader);
        if (exchange.requestBody() != null && exchange.requestBody().length > 0) {
            request.withBody(exchange.requestBody());
        }
        String query = exchange.uri().getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                int equals = pair.indexOf('=');
                String name = equals < 0 ? pair : pair.substring(0, equals);
                String value = equals < 0 ? "" : pair.substring(equals + 1);
                request.withQueryParam(decode(name), decode(value));
            }
        }
        return request.build();
    }

    private static SimpleResponse response(Exchange exchange) {
        SimpleResponse.Builder response = new SimpleResponse.Builder(exchange.status());
        exchange.responseHeaders().map().forEach(response::withHeader);
        if (exchange.responseBody().length > 0) {
            response.withBody(exchange.responseBody());
        }
        return response.build();
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    private static AssertionError failure(Exchange exchange, String what, ValidationReport report) {
        String messages = report.getMessages().stream()
                .map(message -> "  " + message.getKey() + ": " + message.getMessage())
                .collect(Collectors.joining("\n"));
        String body = new String(exchange.responseBody(), StandardCharsets.UTF_8);
        return new AssertionError(exchange.method() + " " + exchange.uri() + " -> " + exchange.status() + ": " + what
                + "\n" + messages + "\n  answer: " + body.substring(0, Math.min(body.length(), 2000)));
    }

    private static String document() {
        try (InputStream in = OpenApiContract.class.getResourceAsStream("/openapi.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
