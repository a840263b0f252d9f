package io.plantline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.ApiOptions;
import io.plantline.api.ControlApi;
import io.plantline.api.http.Json;
import io.plantline.embedded.EmbeddedKafkaCluster;
import io.plantline.embedded.KafkaTopics;
import io.plantline.model.Topics;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import io.plantline.testing.UniqueNames;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster path end to end, without Docker: the shaded job jar on a real standalone Flink cluster, submitted,
 * stopped with a savepoint and resumed through the control API's {@code /jobs}; machine events ingested over HTTP;
 * OEE read back through the API. The resumed job must carry the machine's state across the savepoint.
 */
@ExtendWith(PostgresExtension.class)
class ClusterModeIT {

    private static final String PASSWORD = "cluster test password";
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)     // a failed run keeps the Flink processes' logs
    Path workDir;

    private final HttpClient http = HttpClient.newHttpClient();
    private String base;
    private String token;
    private String flinkRest;
    private TestKafka kafka;

    @Test
    void oeeJobRunsOnAStandaloneClusterAndResumesFromASavepoint(TestDatabase database) throws Exception {
        SchemaMigration.apply(database.jdbcUrl());
        // A broker of its own, not the JVM's shared one: the job takes every device's telemetry as a sign of life, and
        // readings another test left there, stamped at that test's now, would carry its event time past this test's
        // backdated machine, whose every event would then be too late.
        try (EmbeddedKafkaCluster broker = EmbeddedKafkaCluster.start(0, workDir.resolve("kafka"), 64L << 20)) {
            kafka = TestKafka.at(broker.bootstrapServers());
            KafkaTopics.createAll(kafka.bootstrapServers(), 2);
            runOnStandaloneCluster(database);
        }
    }

    private void runOnStandaloneCluster(TestDatabase database) throws Exception {
        String org = UniqueNames.of("cluster");
        Path jobJar = Path.of(System.getProperty("plantline.job.jar"));
        try (StandaloneFlinkCluster flink = StandaloneFlinkCluster.start(Path.of(System.getProperty("plantline.flink.lib")),
                     ROOT.resolve("flink-conf/config.yaml"), workDir);
             ControlApi api = ControlApi.start(ApiOptions.parse(new String[] {"--port=0", "--bcrypt-cost=4"}, Map.of())
                     .connectedTo(0, database.jdbcUrl(), kafka.bootstrapServers())
                     .managingJobs(flink.restUrl(), Optional.of(jobJar), org), Clock.systemUTC())) {
            flinkRest = flink.restUrl();
            api.ensureAdmin(new ApiOptions.BootstrapAdmin(org, "admin@" + org + ".test", PASSWORD));
            base = "http://127.0.0.1:" + api.port() + "/api/v1";
            token = call("POST", "/auth/login", Map.of("email", "admin@" + org + ".test", "password", PASSWORD)).get("data")
                    .get("accessToken").asText();
            String key = call("POST", "/devices", Map.of("deviceId", "press-1", "idealCycleSeconds", 2,
                    "effectiveFrom", "2020-01-01T00:00:00Z")).get("data").get("writeKey").asText();
            List<String> args = List.of("--kafka-bootstrap=" + kafka.bootstrapServers(), "--jdbc-url=" + database.jdbcUrl(),
                    "--parallelism=2", "--idleness-ms=2000", "--out-of-orderness-ms=1000", "--checkpoint-interval-ms=1000");

            JsonNode submitted = call("POST", "/jobs", Map.of("job", "oee", "args", args));
            String jobId = submitted.get("data").get("jobId").asText();
            // The job applies device settings from when it has read them (a known limit at a fresh start): events
            // go in once it runs and has checkpointed, by which time its settings source has read the small topic.
            Awaitility.await().atMost(90, TimeUnit.SECONDS).until(() -> {
                JsonNode job = job(jobId);
                return job != null && job.path("checkpoints").path("completed").asLong() >= 2;
            });
            Instant minute0 = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(20, ChronoUnit.MINUTES);
            ingest(key, "state", minute0, "\"state\":\"RUNNING\"");
            ingest(key, "count", minute0.plusSeconds(10), "\"total\":10,\"good\":9");
            ingest(key, "count", minute0.plusSeconds(70), "\"total\":10,\"good\":9");
            ingest(key, "state", minute0.plusSeconds(120), "\"state\":\"IDLE\"");
            ingest(key, "state", minute0.plusSeconds(150), "\"state\":\"RUNNING\"");
            heartbeats(key, minute0.plusSeconds(210), minute0.plusSeconds(300));   // heard from, so its state is known
            ingest(key, "state", minute0.plusSeconds(300), "\"state\":\"RUNNING\"");

            JsonNode first = awaitOee(minute0, minute0.plusSeconds(240), 4);
            assertThat(first.get("total").get("plannedMs").asLong()).isEqualTo(240_000);
            assertThat(first.get("total").get("runMs").asLong()).isEqualTo(210_000);
            assertThat(first.get("total").get("totalCount").asLong()).isEqualTo(20);
            assertThat(first.get("total").get("oee").asDouble()).isEqualTo(18 * 2000.0 / 240_000);
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> {
                JsonNode job = job(jobId);
                return job != null && job.path("checkpoints").path("healthy").asBoolean();
            });

            String whileRunning = call("POST", "/jobs/" + jobId + "/savepoint", null).get("data").get("savepointPath").asText();
            assertThat(Path.of(URI.create(whileRunning)).resolve("_metadata")).exists();
            assertThat(job(jobId).path("state").asText()).isEqualTo("RUNNING");
            HttpResponse<String> refused = send("POST", "/jobs", Map.of("job", "oee", "args", List.of("--parallelism=0")));
            assertThat(refused.statusCode()).isEqualTo(502);
            assertThat(refused.body()).contains("parallelism");

            String savepoint = call("POST", "/jobs/" + jobId + "/stop", Map.of()).get("data").get("savepointPath").asText();
            assertThat(savepoint).contains(flink.savepointDirectory().getFileName().toString());
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> !"RUNNING".equals(job(jobId).path("state").asText()));

            String resumed = call("POST", "/jobs", Map.of("job", "oee", "args", args, "savepointPath", savepoint))
                    .get("data").get("jobId").asText();
            assertThat(resumed).isNotEqualTo(jobId);
            // No state event after the restart: minute 6 is RUNNING only if the machine's state came back with the savepoint.
            ingest(key, "count", minute0.plusSeconds(370), "\"total\":5,\"good\":5");
            heartbeats(key, minute0.plusSeconds(430), minute0.plusSeconds(540));
            ingest(key, "state", minute0.plusSeconds(540), "\"state\":\"RUNNING\"");

            JsonNode minute6 = awaitOee(minute0.plusSeconds(360), minute0.plusSeconds(420), 1).get("series").get(0);
            assertThat(minute6.get("plannedMs").asLong()).isEqualTo(60_000);
            assertThat(minute6.get("runMs").asLong()).isEqualTo(60_000);
            assertThat(minute6.get("totalCount").asLong()).isEqualTo(5);
            // Minutes 0-3 before the stop, 4-7 after (the watermark stops short of minute 8's end): each written once.
            assertThat(database.query("SELECT count(*) AS n FROM oee_1m").get(0).get("n")).isEqualTo(8L);
            assertThat(job(resumed).path("state").asText()).isEqualTo("RUNNING");
        }
    }

    private JsonNode awaitOee(Instant from, Instant to, int minutes) {
        String query = "/analytics/oee?deviceId=press-1&granularity=1m&from=" + from + "&to=" + to;
        try {
            return Awaitility.await().atMost(120, TimeUnit.SECONDS).pollInterval(1, TimeUnit.SECONDS)
                    .until(() -> call("GET", query, null).get("data"), data -> data.get("series").size() == minutes);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(minutes + " OEE minutes not written from " + from + " within 2 minutes; "
                    + diagnosis(), e);
        }
    }

    /** What a failed wait needs to be understood: the jobs, their last failures, the dead letters, the logs' place. */
    private String diagnosis() {
        StringBuilder found = new StringBuilder("Flink's logs are kept in " + workDir);
        try {
            found.append("; jobs: ").append(call("GET", "/jobs", null).get("data"));
            for (JsonNode job : call("GET", "/jobs", null).get("data")) {
                String jobId = job.path("jobId").asText(null);
                if (jobId != null) {    // a job that is not running has no id
                    found.append("; exceptions of ").append(jobId).append(": ").append(http.send(HttpRequest.newBuilder(
                            URI.create(flinkRest + "/jobs/" + jobId + "/exceptions")).build(),
                            HttpResponse.BodyHandlers.ofString()).body());
                }
            }
            kafka.read(Topics.DEAD_LETTER, 100, Duration.ofSeconds(5)).forEach(record ->
                    found.append("; dead letter: ").append(new String(record.value(), StandardCharsets.UTF_8)));
        } catch (Exception | AssertionError e) {
            found.append("; could not read more: ").append(e);
        }
        return found.toString();
    }

    private JsonNode job(String jobId) throws Exception {
        for (JsonNode job : call("GET", "/jobs", null).get("data")) {
            if (job.get("jobId").asText().equals(jobId)) {
                return job;
            }
        }
        return null;
    }

    /** A heartbeat a minute from {@code from} to before {@code to}: a device silent longer is offline. */
    private void heartbeats(String key, Instant from, Instant to) throws Exception {
        for (Instant ts = from; ts.isBefore(to); ts = ts.plusSeconds(60)) {
            ingest(key, "heartbeat", ts, "\"firmware\":\"1.0.0\"");
        }
    }

    private void ingest(String key, String kind, Instant ts, String fields) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(base + "/ingest/press-1/" + kind))
                .header("X-Device-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"ts\":\"" + ts + "\"," + fields + "}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
    }

    private JsonNode call(String method, String path, Object body) throws Exception {
        HttpResponse<String> response = send(method, path, body);
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isLessThan(300);
        return Json.MAPPER.readTree(response.body());
    }

    private HttpResponse<String> send(String method, String path, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(Json.write(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
