package io.plantline.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;

/** The local stack as a test speaks to it: the control API over HTTP as the demo admin, and its database. */
final class LocalApi {

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final LocalStack stack;
    private final String base;
    private final String token;

    LocalApi(LocalStack stack, String adminPassword) throws Exception {
        this.stack = stack;
        this.base = "http://127.0.0.1:" + stack.apiPort() + "/api/v1";
        this.token = send(request("/auth/login", "POST", Map.of("email", "admin@demo.local", "password", adminPassword)))
                .path("data").path("accessToken").asText();
    }

    /** A call as the admin that must succeed; its JSON answer. */
    JsonNode call(String method, String path, Object body) throws Exception {
        return send(request(path, method, body).header("Authorization", "Bearer " + token));
    }

    /** A device's message over HTTP ingestion, authenticated by its write key; must be accepted. */
    JsonNode ingest(String deviceId, String writeKey, String kind, Object payload) throws Exception {
        return send(request("/ingest/" + deviceId + "/" + kind, "POST", payload).header("X-Device-Key", writeKey));
    }

    HttpResponse<String> raw(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest.Builder request(String path, String method, Object body) throws Exception {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    }

    String token() {
        return token;
    }

    String base() {
        return base;
    }

    /** The first column of the first row of {@code sql} in the stack's database. */
    Object query(String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(stack.jdbcUrl());
             ResultSet rows = connection.createStatement().executeQuery(sql)) {
            return rows.next() ? rows.getObject(1) : null;
        }
    }

    private JsonNode send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = raw(request);
        assertThat(response.statusCode()).as(response.body()).isLessThan(300);
        return JSON.readTree(response.body());
    }
}
