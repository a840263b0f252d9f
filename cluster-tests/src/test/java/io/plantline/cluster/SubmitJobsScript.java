package io.plantline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code docker/submit-jobs.sh}, the script compose's one-shot runs, pointed at a standalone cluster through Flink's
 * own command-line client ({@code flink-standalone/bin/flink}), with the jobs' settings in its environment as
 * compose gives them.
 */
final class SubmitJobsScript {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StandaloneFlinkCluster flink;
    private final Map<String, String> environment;
    private final Path workDir;
    private final HttpClient http = HttpClient.newHttpClient();

    SubmitJobsScript(StandaloneFlinkCluster flink, String kafkaBootstrap, String jdbcUrl, Path workDir) {
        this.flink = flink;
        this.workDir = workDir;
        this.environment = new HashMap<>(Map.of("PLANTLINE_FLINK_REST", flink.restUrl(),
                "PLANTLINE_KAFKA_BOOTSTRAP", kafkaBootstrap, "PLANTLINE_JDBC_URL", jdbcUrl,
                "PLANTLINE_PARALLELISM", "1", "PLANTLINE_CHECKPOINT_INTERVAL_MS", "1000",
                "FLINK_CONF_DIR", flink.configDirectory().toString(),
                "JAVA_HOME", System.getProperty("java.home"),
                "PATH", ROOT.resolve("flink-standalone/bin") + ":" + System.getenv("PATH")));
    }

    /** Runs the script and returns what it printed, once it exited with status 0. */
    String run(String name) throws Exception {
        Path output = workDir.resolve("submit-" + name + ".out");
        ProcessBuilder script = new ProcessBuilder("bash", ROOT.resolve("docker/submit-jobs.sh").toString(),
                System.getProperty("plantline.job.jar")).redirectErrorStream(true).redirectOutput(output.toFile());
        script.environment().putAll(environment);
        Process process = script.start();
        if (!process.waitFor(240, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("submit-jobs.sh did not finish; see " + output);
        }
        String printed = Files.readString(output);
        assertThat(process.exitValue()).as(name + " run's exit status; it printed:\n" + printed).isZero();
        return printed;
    }

    /** Flink's {@code /jobs/overview}: every job the cluster knows, with name, id and state. */
    JsonNode jobs() throws Exception {
        return get("/jobs/overview").get("jobs");
    }

    /** One field of every job the cluster knows ({@code name}, {@code jid}, {@code state}). */
    List<String> jobs(String field) throws Exception {
        List<String> values = new ArrayList<>();
        jobs().forEach(job -> values.add(job.get(field).asText()));
        return values;
    }

    JsonNode get(String path) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(flink.restUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }
}
