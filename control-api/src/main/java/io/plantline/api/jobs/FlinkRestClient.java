package io.plantline.api.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The parts of Flink's REST API (v1) that manage Plantline's jobs: overview and checkpoint statistics, jar upload
 * and run, savepoints and stop-with-savepoint (asynchronous operations polled to their end). A Flink error becomes
 * a 502 naming Flink's own message; an unreachable cluster a 503.
 */
public final class FlinkRestClient {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public FlinkRestClient(String restUrl) {
        this.base = URI.create(restUrl.endsWith("/") ? restUrl : restUrl + "/");
    }

    public JsonNode jobsOverview() {
        return get("jobs/overview");
    }

    public JsonNode checkpoints(String jobId) {
        return get("jobs/" + jobId + "/checkpoints");
    }

    public JsonNode clusterOverview() {
        return get("overview");
    }

    /** Uploads a job jar; returns Flink's id for it. */
    public String upload(Path jar) {
        String boundary = "plantline-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                    + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(Files.readAllBytes(jar));
            body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw ApiException.of(500, "job_jar_unreadable", "cannot read the job jar " + jar);
        }
        JsonNode answer = send(HttpRequest.newBuilder(base.resolve("jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        String file = answer.path("filename").asText();
        return file.substring(file.lastIndexOf('/') + 1);
    }

    /** Runs an uploaded jar's entry class; returns the new job's id. */
    public String run(String jarId, String entryClass, java.util.List<String> arguments, Optional<String> savepointPath) {
        Map<String, Object> request = new java.util.LinkedHashMap<>();
        request.put("entryClass", entryClass);
        request.put("programArgsList", arguments);
        savepointPath.ifPresent(path -> {
            request.put("savepointPath", path);
            request.put("allowNonRestoredState", false);
        });
        return post("jars/" + jarId + "/run", request).path("jobid").asText();
    }

    /** Triggers a savepoint (and stops the job when {@code stop}) and waits for its location; null directory = the cluster's. */
    public String savepoint(String jobId, String targetDirectory, boolean stop, Duration timeout) {
        // Without a target directory Flink uses the cluster's execution.checkpointing.savepoint-dir.
        Map<String, Object> request = new java.util.HashMap<>(stop ? Map.of("drain", false) : Map.of("cancel-job", false));
        if (targetDirectory != null) {
            request.put(stop ? "targetDirectory" : "target-directory", targetDirectory);
        }
        JsonNode trigger = post(stop ? "jobs/" + jobId + "/stop" : "jobs/" + jobId + "/savepoints", request);
        String triggerId = trigger.path("request-id").asText();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode status = get("jobs/" + jobId + "/savepoints/" + triggerId);
            if ("COMPLETED".equals(status.path("status").path("id").asText())) {
                JsonNode operation = status.path("operation");
                if (operation.has("failure-cause")) {
                    throw ApiException.of(502, "flink_error", "the savepoint failed: "
                            + operation.path("failure-cause").path("class").asText() + " "
                            + operation.path("failure-cause").path("stack-trace").asText("").lines().findFirst().orElse(""));
                }
                return operation.path("location").asText();
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw ApiException.of(504, "savepoint_timeout", "the savepoint did not complete within " + timeout.toSeconds()
                + " s; trigger " + triggerId + " of job " + jobId + " may still complete");
    }

    private JsonNode get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    private JsonNode post(String path, Object body) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))));
    }

    private JsonNode send(HttpRequest.Builder request) {
        HttpResponse<String> response;
        try {
            response = http.send(request.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw ApiException.unavailable("the Flink cluster at " + base + " does not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted while calling Flink");
        }
        JsonNode body;
        try {
            body = response.body().isEmpty() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw ApiException.of(502, "flink_error", "Flink answered " + response.statusCode() + " with no JSON");
        }
        if (response.statusCode() == 404) {
            throw ApiException.notFound("Flink job or jar");
        }
        if (response.statusCode() >= 300) {
            String errors = body.path("errors").toString();
            throw ApiException.of(502, "flink_error", "Flink answered " + response.statusCode() + ": "
                    + (errors.length() > 2000 ? errors.substring(0, 2000) + "..." : errors));
        }
        return body;
    }
}
