package io.plantline.cluster;

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
 * own command-line client ({@code flink-standalone/bin/flink}), with the environment compose gives the
 * {@code submit-jobs} service but for the addresses, and {@code settings} over it. The client reads a configuration of
 * its own without high availability, as compose's image runs it with Flink's default configuration: it reaches the
 * JobManager at the address the script names.
 */
public final class SubmitJobsScript {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ComposeFile compose;
    private final String restUrl;
    private final Path jobJar;
    private final Map<String, String> environment;
    private final Path workDir;
    private final HttpClient http = HttpClient.newHttpClient();

    /**
     * @param settings what differs from compose's {@code submit-jobs} environment: {@code PLANTLINE_KAFKA_BOOTSTRAP},
     *                 {@code PLANTLINE_JDBC_URL} and the like
     */
    public SubmitJobsScript(ComposeFile compose, String restUrl, Path flinkLib, Path jobJar, Map<String, String> secrets,
                            Map<String, String> settings, Path workDir) throws Exception {
        this.compose = compose;
        this.restUrl = restUrl;
        this.jobJar = jobJar;
        this.workDir = workDir;
        Path clientConf = Files.createDirectories(workDir.resolve("client-conf"));
        Files.writeString(clientConf.resolve("config.yaml"), "jobmanager.rpc.address: localhost\n");
        this.environment = new HashMap<>(compose.environment("submit-jobs", secrets));
        environment.putAll(settings);
        environment.putAll(Map.of("PLANTLINE_FLINK_REST", restUrl, "FLINK_CONF_DIR", clientConf.toString(),
                "FLINK_LIB_DIR", flinkLib.toString(), "JAVA_HOME", System.getProperty("java.home"),
                "PATH", compose.root().resolve("flink-standalone/bin") + ":" + System.getenv("PATH")));
    }

    /** Runs the script and returns what it printed, once it exited with status 0. */
    public String run(String name) throws Exception {
        Path output = workDir.resolve("submit-" + name + ".out");
        ProcessBuilder script = new ProcessBuilder("bash", compose.root().resolve("docker/submit-jobs.sh").toString(),
                jobJar.toString()).redirectErrorStream(true).redirectOutput(output.toFile());
        script.environment().putAll(environment);
        Process process = script.start();
        if (!process.waitFor(240, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("submit-jobs.sh did not finish; see " + output);
        }
        String printed = Files.readString(output);
        if (process.exitValue() != 0) {
            throw new IllegalStateException(name + " run of submit-jobs.sh exited with " + process.exitValue()
                    + "; it printed:\n" + printed);
        }
        return printed;
    }

    /** Flink's {@code /jobs/overview}: every job the cluster knows, with name, id and state. */
    public JsonNode jobs() throws Exception {
        return get("/jobs/overview").get("jobs");
    }

    /** One field of every job the cluster knows ({@code name}, {@code jid}, {@code state}). */
    public List<String> jobs(String field) throws Exception {
        List<String> values = new ArrayList<>();
        jobs().forEach(job -> values.add(job.get(field).asText()));
        return values;
    }

    public JsonNode get(String path) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(restUrl + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }
}
