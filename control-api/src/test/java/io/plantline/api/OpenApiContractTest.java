package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The contract check itself: what it lets through and what it fails. */
class OpenApiContractTest {

    private static final String ORGANISATION = "{\"slug\":\"acme\",\"name\":\"Acme\",\"timeZone\":\"UTC\",\"createdAt\":\"2026-12-02T10:00:00Z\"";

    @Test
    void anAnswerAsDocumentedPasses() {
        assertThatCode(() -> OpenApiContract.check(exchange("GET", "/organisation", null, 200, "{\"data\":" + ORGANISATION + "}}")))
                .doesNotThrowAnyException();
    }

    @Test
    void aFieldTheDocumentDoesNotHaveFailsTheTestThatSeesIt() {
        assertThatThrownBy(() -> OpenApiContract.check(exchange("GET", "/organisation", null, 200,
                "{\"data\":" + ORGANISATION + ",\"plan\":\"gold\"}}")))
                .hasMessageContaining("the answer is not the one the document describes").hasMessageContaining("plan");
    }

    @Test
    void aStatusTheDocumentDoesNotListFails() {
        assertThatThrownBy(() -> OpenApiContract.check(exchange("GET", "/organisation", null, 418, "{\"error\":{}}")))
                .hasMessageContaining("418");
    }

    @Test
    void aRequestTheDocumentCallsInvalidMustBeRefused() {
        String invalid = "{\"name\":42}";
        assertThatThrownBy(() -> OpenApiContract.check(exchange("PATCH", "/organisation", invalid, 200,
                "{\"data\":" + ORGANISATION + "}}")))
                .hasMessageContaining("the server accepted a request the document calls invalid");
        assertThatCode(() -> OpenApiContract.check(exchange("PATCH", "/organisation", invalid, 400,
                "{\"error\":{\"code\":\"validation_failed\",\"message\":\"m\",\"details\":[],\"requestId\":\"r\"}}")))
                .doesNotThrowAnyException();
    }

    @Test
    void anUndocumentedRouteMustBeAnswered404() {
        String notFound = "{\"error\":{\"code\":\"not_found\",\"message\":\"m\",\"details\":[],\"requestId\":\"r\"}}";
        assertThatCode(() -> OpenApiContract.check(exchange("GET", "/no/such/route", null, 404, notFound))).doesNotThrowAnyException();
        assertThatThrownBy(() -> OpenApiContract.check(exchange("GET", "/no/such/route", null, 200, "{\"data\":{}}")))
                .hasMessageContaining("a route the document does not have");
    }

    private static OpenApiContract.Exchange exchange(String method, String path, String requestBody, int status, String answer) {
        HttpHeaders headers = HttpHeaders.of(Map.of("Content-Type", List.of("application/json")), (name, value) -> true);
        Map<String, String> sent = Map.of("Content-Type", "application/json", "Authorization", "Bearer token");
        return new OpenApiContract.Exchange(method, URI.create("http://127.0.0.1:1/api/v1" + path), sent,
                requestBody == null ? null : requestBody.getBytes(StandardCharsets.UTF_8), status, headers,
                answer.getBytes(StandardCharsets.UTF_8));
    }
}
