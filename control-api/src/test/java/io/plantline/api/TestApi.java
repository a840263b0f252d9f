package io.plantline.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.http.Json;
import io.plantline.embedded.KafkaTopics;
import io.plantline.model.RulesTopicValue;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import io.plantline.testing.UniqueNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;

/** The real API on a random port against a test schema and Kafka, with an HTTP client and a clock tests can move. */
final class TestApi implements AutoCloseable {

    static final String PASSWORD = "correct horse battery";

    /** An answer: status, parsed JSON body (null when empty) and headers. */
    record Response(int status, JsonNode body, HttpHeaders headers) {
        JsonNode data() {
            return body.get("data");
        }

        String errorCode() {
            return body == null || !body.has("error") ? null : body.get("error").get("code").asText();
        }
    }

    /** An organisation with one user of each role, logged in. */
    record Org(String slug, String adminToken, String operatorToken, String viewerToken, String adminId) {
        String token(String role) {
            return switch (role) {
                case "admin" -> adminToken;
                case "operator" -> operatorToken;
                default -> viewerToken;
            };
        }
    }

    /** A clock that stands still until a test moves it. */
    static final class MovableClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

        void advance(Duration duration) {
            now.updateAndGet(instant -> instant.plus(duration));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    /** An organisation slug of its own for this run: {@code name} and a random suffix ({@link UniqueNames}). */
    static String uniqueSlug(String name) {
        return UniqueNames.of(name);
    }

    final ControlApi api;
    final MovableClock clock = new MovableClock();
    final TestDatabase database;
    final TestKafka kafka;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;

    private TestApi(TestDatabase database, TestKafka kafka, Clock apiClock, String... settings) {
        this.database = database;
        this.kafka = kafka;
        KafkaTopics.createAll(kafka.bootstrapServers(), 2);
        List<String> args = new ArrayList<>(List.of("--port=0", "--jdbc-url=" + database.jdbcUrl(),
                "--kafka-bootstrap=" + kafka.bootstrapServers(), "--bcrypt-cost=4", "--user-requests-per-minute=100000",
                "--logins-per-minute=100000", "--address-requests-per-minute=1000000",
                "--jwt-secret=test-secret-of-at-least-thirty-two-bytes",
                // Tests write minutes at fixed dates; kept for ever, their answers do not expire as the calendar
                // moves on (KpiRetentionIT sets the retention it tests; a later setting wins).
                "--minutes-retention-days=0"));
        args.addAll(List.of(settings));
        this.api = ControlApi.start(ApiOptions.parse(args.toArray(String[]::new), Map.of()),
                apiClock == null ? clock : apiClock);
        this.base = "http://127.0.0.1:" + api.port() + "/api/v1";
    }

    static TestApi start(TestDatabase database, TestKafka kafka, String... settings) {
        return new TestApi(database, kafka, null, settings);
    }

    /** A server on the real clock (its {@link #clock} moves nothing): for tests of tokens expiring as time passes. */
    static TestApi onSystemClock(TestDatabase database, TestKafka kafka, String... settings) {
        return new TestApi(database, kafka, Clock.systemUTC(), settings);
    }

    String baseUrl() {
        return base;
    }

    /** The web console's address. */
    String consoleUrl() {
        return "http://127.0.0.1:" + api.port() + "/";
    }

    /** Creates the organisation with an admin, an operator and a viewer, and logs each in. */
    Org organisation(String slug) {
        String adminEmail = "admin@" + slug + ".test";
        api.ensureAdmin(new ApiOptions.BootstrapAdmin(slug, adminEmail, PASSWORD));
        Response admin = login(adminEmail, PASSWORD);
        String adminToken = admin.data().get("accessToken").asText();
        String[] tokens = new String[2];
        String[] roles = {"operator", "viewer"};
        for (int i = 0; i < roles.length; i++) {
            String email = roles[i] + "@" + slug + ".test";
            Response created = call("POST", "/users", adminToken, Map.of("email", email, "password", PASSWORD, "role", roles[i]));
            if (created.status() != 201) {
                throw new IllegalStateException("cannot create " + email + ": " + created.body());
            }
            tokens[i] = login(email, PASSWORD).data().get("accessToken").asText();
        }
        return new Org(slug, adminToken, tokens[0], tokens[1], admin.data().get("user").get("id").asText());
    }

    Response login(String email, String password) {
        return call("POST", "/auth/login", null, Map.of("email", email, "password", password));
    }

    /** {@code body}: a String is sent as it is, anything else as JSON; null sends no body. */
    Response call(String method, String path, String token, Object body) {
        return call(method, path, token, body, Map.of());
    }

    Response call(String method, String path, String token, Object body, Map<String, String> headers) {
        byte[] text = body == null ? null : (body instanceof String raw ? raw : Json.write(body)).getBytes(StandardCharsets.UTF_8);
        Map<String, String> sent = new LinkedHashMap<>(Map.of("Content-Type", "application/json"));
        sent.putAll(headers);
        HttpResponse<byte[]> response = exchange(method, URI.create(base + path), token, text, sent);
        String answer = new String(response.body(), StandardCharsets.UTF_8);
        boolean isJson = response.headers().firstValue("Content-Type").orElse("").startsWith("application/json");
        try {
            JsonNode json = answer.isEmpty() || !isJson ? null : Json.MAPPER.readTree(answer);
            return new Response(response.statusCode(), json, response.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An answer read as bytes (firmware images), with the JSON error envelope parsed when there is one. */
    record BinaryResponse(int status, byte[] body, HttpHeaders headers) {
        String errorCode() {
            try {
                return Json.MAPPER.readTree(body).get("error").get("code").asText();
            } catch (IOException | NullPointerException e) {
                return null;
            }
        }
    }

    /** {@code pathOrUrl}: an API path, or an absolute URL (a download link). */
    BinaryResponse binary(String method, String pathOrUrl, String token, byte[] body, Map<String, String> headers) {
        URI uri = URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : base + pathOrUrl);
        HttpResponse<byte[]> response = exchange(method, uri, token, body, headers);
        return new BinaryResponse(response.statusCode(), response.body(), response.headers());
    }

    /**
     * The report once it is ready, asked for with a token from {@code token} each time (tests that move the clock past
     * a token's lifetime log in afresh); a failed report fails the wait.
     */
    JsonNode awaitReport(String reportId, Supplier<String> token, Duration atMost) {
        return Awaitility.await().atMost(atMost).until(() -> call("GET", "/reports/" + reportId, token.get(), null).data(),
                report -> {
                    if (report.get("status").asText().equals("failed")) {
                        throw new AssertionError("report " + reportId + " failed: " + report);
                    }
                    return report.get("status").asText().equals("ready");
                });
    }

    /** One call, held to the OpenAPI document ({@link OpenApiContract}) before the test sees the answer. */
    private HttpResponse<byte[]> exchange(String method, URI uri, String token, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        Map<String, String> sent = new LinkedHashMap<>(headers);
        if (token != null) {
            sent.put("Authorization", "Bearer " + token);
        }
        sent.forEach(request::header);
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            OpenApiContract.check(new OpenApiContract.Exchange(method, uri, sent, body, response.statusCode(),
                    response.headers(), response.body()));
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        api.close();
    }

    /** The records of {@code topic} with {@code key}, in the order written. */
    List<ConsumerRecord<String, byte[]>> records(String topic, String key) {
        return kafka.read(topic, Integer.MAX_VALUE, Duration.ofSeconds(2)).stream()
                .filter(record -> key.equals(record.key())).toList();
    }

    /** The value last published on {@code factory.rules} under {@code key}; empty when none or a tombstone. */
    Optional<RulesTopicValue> latestRulesValue(String key) {
        List<ConsumerRecord<String, byte[]>> records = records(Topics.RULES, key);
        return records.isEmpty() ? Optional.empty()
                : Optional.ofNullable(records.get(records.size() - 1).value())
                        .map(RecordJson::readRulesTopicValue);
    }
}
