package io.plantline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.plantline.embedded.KafkaTopics;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 29: {@code docker/submit-jobs.sh}, the script compose's one-shot runs at every {@code up}, against a real
 * standalone cluster through Flink's own command-line client: the first run submits the three jobs, a second run
 * submits none of them again while they run.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class SubmitJobsIT {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path workDir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aSecondRunSubmitsNoJobThatIsAlreadyThere(TestDatabase database, TestKafka kafka) throws Exception {
        SchemaMigration.apply(database.jdbcUrl());
        KafkaTopics.createAll(kafka.bootstrapServers(), 1);
        try (StandaloneFlinkCluster flink = StandaloneFlinkCluster.start(Path.of(System.getProperty("plantline.flink.lib")), workDir)) {
            Map<String, String> environment = Map.of("PLANTLINE_FLINK_REST", flink.restUrl(),
                    "PLANTLINE_KAFKA_BOOTSTRAP", kafka.bootstrapServers(), "PLANTLINE_JDBC_URL", database.jdbcUrl(),
                    "PLANTLINE_PARALLELISM", "1", "FLINK_CONF_DIR", flink.configDirectory().toString());

            submitJobs(environment, "first");
            Awaitility.await().atMost(120, TimeUnit.SECONDS).pollInterval(1, TimeUnit.SECONDS)
                    .until(() -> states(flink), states -> states.size() == 3 && !states.contains("CREATED"));

            assertThat(submitJobs(environment, "second"))
                    .contains("telemetry-analytics is already there", "oee is already there", "device-lifecycle is already there")
                    .doesNotContain("submitting");
            assertThat(names(flink)).containsExactlyInAnyOrder("telemetry-analytics", "oee", "device-lifecycle");
        }
    }

    /** Runs the script and returns what it printed, once it exited with status 0. */
    private String submitJobs(Map<String, String> environment, String run) throws Exception {
        ProcessBuilder script = new ProcessBuilder("bash", ROOT.resolve("docker/submit-jobs.sh").toString(),
                System.getProperty("plantline.job.jar")).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("submit-" + run + ".out").toFile());
        script.environment().putAll(environment);
        script.environment().put("JAVA_HOME", System.getProperty("java.home"));
        script.environment().put("PATH", ROOT.resolve("flink-standalone/bin") + ":" + System.getenv("PATH"));
        Process process = script.start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("submit-jobs.sh did not finish; see " + workDir);
        }
        String output = Files.readString(workDir.resolve("submit-" + run + ".out"));
        assertThat(process.exitValue()).as(run + " run's exit status; it printed:\n" + output).isZero();
        return output;
    }

    private List<String> states(StandaloneFlinkCluster flink) throws Exception {
        List<String> states = new ArrayList<>();
        overview(flink).forEach(job -> states.add(job.get("state").asText()));
        return states;
    }

    private List<String> names(StandaloneFlinkCluster flink) throws Exception {
        List<String> names = new ArrayList<>();
        overview(flink).forEach(job -> names.add(job.get("name").asText()));
        return names;
    }

    private JsonNode overview(StandaloneFlinkCluster flink) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(flink.restUrl() + "/jobs/overview")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).get("jobs");
    }
}
