package io.plantline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.plantline.api.ApiOptions;
import io.plantline.api.ControlApi;
import io.plantline.config.JdbcAddress;
import io.plantline.embedded.KafkaTopics;
import io.plantline.model.DeadLetter;
import io.plantline.pipeline.aggregation.TelemetryMinute;
import io.plantline.pipeline.aggregation.TelemetryMinutesTable;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import io.plantline.testing.UniqueNames;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 33, item 3, end to end: minutes written through the telemetry job's sink (its table's batch writer in a Flink
 * job), one of them rewritten by a late reading, read back from {@code /telemetry} by hour and by day (Berlin's day
 * of 25 hours when the clocks go back) with the statistics of their readings worked out here by hand, and again once
 * the minutes are gone.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class TelemetryRollUpsThroughSinkAndApiIT {

    private static final String PASSWORD = "a long enough password";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private ControlApi api;
    private String org;
    private String token;
    private TestDatabase testDatabase;
    private JdbcAddress database;

    @BeforeEach
    void start(TestDatabase testDatabase, TestKafka kafka) throws Exception {
        this.testDatabase = testDatabase;
        SchemaMigration.apply(testDatabase.jdbcUrl());
        database = JdbcAddress.of(testDatabase.jdbcUrl());
        KafkaTopics.createAll(kafka.bootstrapServers(), 1);   // a new device is announced on the rules topic
        api = ControlApi.start(ApiOptions.parse(new String[] {"--port=0", "--jdbc-url=" + testDatabase.jdbcUrl(),
                "--kafka-bootstrap=" + kafka.bootstrapServers(), "--bcrypt-cost=4",
                "--jwt-secret=test-secret-of-at-least-thirty-two-bytes"}, Map.of()), Clock.systemUTC());
        org = UniqueNames.of("rollups");
        api.ensureAdmin(new ApiOptions.BootstrapAdmin(org, "admin@" + org + ".test", PASSWORD));
        token = call("POST", "/auth/login", Map.of("email", "admin@" + org + ".test", "password", PASSWORD))
                .path("data").path("accessToken").asText();
        call("PATCH", "/organisation", Map.of("timeZone", "Europe/Berlin"));
        call("POST", "/devices", Map.of("deviceId", "press-1"));
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void hoursAndDaysOfTheMinutesTheSinkWroteHoldTheStatisticsOfTheirReadingsAfterALateReading() throws Exception {
        write(minute("2026-10-24T22:30:00Z", 4),   // 00:30 in Berlin: Sunday the 25th, still the 24th in UTC
                minute("2026-10-25T10:00:00Z", 1, 3),
                minute("2026-10-25T10:01:00Z", 5, 7),
                minute("2026-10-25T11:30:00Z", 10),
                minute("2026-10-25T22:59:00Z", 2),   // 23:59 in Berlin: the 25-hour day's last minute
                minute("2026-10-25T23:00:00Z", 50));   // midnight in Berlin: the next day
        JsonNode before = series("2026-10-25T10:00:00Z", "2026-10-25T11:00:00Z", "1h").get(0);
        assertThat(before.path("count").asLong()).isEqualTo(4);
        assertThat(before.path("max").asDouble()).isEqualTo(7);

        // A reading of 9 arrives late for 10:01: the job writes that minute again with all three of its readings.
        write(minute("2026-10-25T10:01:00Z", 5, 7, 9));

        JsonNode hours = series("2026-10-25T10:00:00Z", "2026-10-25T12:00:00Z", "1h");
        assertThat(hours).hasSize(2);
        // 1, 3, 5, 7, 9: mean 5, squared deviations 16 + 4 + 0 + 4 + 16 = 40 over 5 readings.
        assertBucket(hours.get(0), "2026-10-25T10:00:00Z", 5, 1, 9, 5, Math.sqrt(8));
        assertBucket(hours.get(1), "2026-10-25T11:00:00Z", 1, 10, 10, 10, 0);

        JsonNode days = series("2026-10-24T22:00:00Z", "2026-10-26T23:00:00Z", "1d");
        assertThat(days).hasSize(2);
        // 4, 1, 3, 5, 7, 9, 10, 2: sum 41, sum of squares 285; variance 285/8 - (41/8)^2 = 9.359375.
        assertBucket(days.get(0), "2026-10-24T22:00:00Z", 8, 1, 10, 41 / 8.0, Math.sqrt(9.359375));
        assertBucket(days.get(1), "2026-10-25T23:00:00Z", 1, 50, 50, 50, 0);

        // Hours and days are read from their own tables: they answer the same once the minutes are gone.
        testDatabase.execute("DELETE FROM telemetry_1m");
        assertThat(series("2026-10-25T10:00:00Z", "2026-10-25T12:00:00Z", "1h")).isEqualTo(hours);
        assertThat(series("2026-10-24T22:00:00Z", "2026-10-26T23:00:00Z", "1d")).isEqualTo(days);
    }

    /** Through the sink the job uses, in a Flink job of its own; no row may be refused. */
    private void write(TelemetryMinute... minutes) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        List<DeadLetter> refused = new ArrayList<>();
        try (CloseableIterator<DeadLetter> letters = TelemetryMinutesTable.table(database)
                .writer(env.fromData(minutes), "telemetry-analytics", "telemetry-minutes-table").executeAndCollect()) {
            letters.forEachRemaining(refused::add);
        }
        assertThat(refused).isEmpty();
    }

    /** The minute's row as the job computes it from its readings: population statistics. */
    private TelemetryMinute minute(String start, double... readings) {
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double reading : readings) {
            sum += reading;
            min = Math.min(min, reading);
            max = Math.max(max, reading);
        }
        double mean = sum / readings.length;
        double squares = 0;
        for (double reading : readings) {
            squares += (reading - mean) * (reading - mean);
        }
        return new TelemetryMinute(org, "press-1", "temperature", Instant.parse(start).toEpochMilli(), readings.length,
                min, max, mean, Math.sqrt(squares / readings.length));
    }

    private static void assertBucket(JsonNode bucket, String start, long count, double min, double max, double avg,
                                     double stddev) {
        assertThat(bucket.path("bucketStart").asText()).isEqualTo(start);
        assertThat(bucket.path("count").asLong()).as(start).isEqualTo(count);
        assertThat(bucket.path("min").asDouble()).as(start).isEqualTo(min);
        assertThat(bucket.path("max").asDouble()).as(start).isEqualTo(max);
        assertThat(bucket.path("avg").asDouble()).as(start).isCloseTo(avg, within(1e-12));
        assertThat(bucket.path("stddev").asDouble()).as(start).isCloseTo(stddev, within(1e-12));
    }

    private JsonNode series(String from, String to, String resolution) throws Exception {
        return call("GET", "/telemetry?deviceId=press-1&metric=temperature&from=" + from + "&to=" + to
                + "&resolution=" + resolution, null).path("data").path("series");
    }

    private JsonNode call(String method, String path, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/api/v1" + path))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(method + " " + path + ": " + answer.body()).isBetween(200, 299);
        return JSON.readTree(answer.body());
    }
}
