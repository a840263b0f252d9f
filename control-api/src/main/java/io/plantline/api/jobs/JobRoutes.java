package io.plantline.api.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.http.ApiException;
import io.plantline.api.organisations.PlatformOrganisation;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.Reply;
import io.plantline.api.http.Role;
import io.plantline.api.db.Database;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * {@code /jobs}: Plantline's Flink jobs on the cluster, for the admins of the platform organisation (the cluster
 * serves every organisation, so to anyone else these routes do not exist: 404). List with checkpoint health and
 * whether each job is processing, submit
 * the job jar with arguments (from a savepoint to resume or upgrade), take a savepoint, stop with a savepoint.
 */
public final class JobRoutes {

    /** The jobs the jar holds, by the name users give. */
    public static final Map<String, String> ENTRY_CLASSES = Map.of(
            "telemetry-analytics", "io.plantline.pipeline.TelemetryAnalyticsJob",
            "oee", "io.plantline.pipeline.OeeJob",
            "device-lifecycle", "io.plantline.pipeline.DeviceLifecycleJob");
    private static final Pattern ARGUMENT = Pattern.compile("--[a-z0-9-]{1,64}=[^\\s]{0,400}");
    private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{32}");
    private static final Duration SAVEPOINT_TIMEOUT = Duration.ofMinutes(2);

    private final Optional<FlinkRestClient> flink;
    private final Optional<Path> jobJar;
    private final PlatformOrganisation platform;
    private final Database database;
    private final RetentionRisk retentionRisk;
    private final Clock clock;
    private String uploadedJarId;

    public JobRoutes(Optional<FlinkRestClient> flink, Optional<Path> jobJar, PlatformOrganisation platform,
                     Database database, RetentionRisk retentionRisk, Clock clock) {
        this.flink = flink;
        this.retentionRisk = retentionRisk;
        this.jobJar = jobJar;
        this.platform = platform;
        this.database = database;
        this.clock = clock;
    }

    public void register(ApiRoutes routes) {
        routes.get("/jobs", Role.ADMIN, this::list);
        routes.post("/jobs", Role.ADMIN, this::submit);
        routes.post("/jobs/:jobId/savepoint", Role.ADMIN, call -> savepoint(call, false));
        routes.post("/jobs/:jobId/stop", Role.ADMIN, call -> savepoint(call, true));
    }

    /**
     * Every job the cluster knows, newest first per name, the newest of each name marked {@code current} and judged:
     * whether it is processing, and if not why ({@link JobHealth}); a Plantline job the cluster does not run at all
     * is listed as {@code NOT_RUNNING}; with each, whether its unprocessed records near Kafka's retention
     * ({@link RetentionRisk}).
     */
    private Object list(Call call) {
        FlinkRestClient cluster = cluster(call);
        Instant now = clock.instant();
        Map<String, Instant> rowsWritten = newestRows();
        List<JsonNode> overview = new ArrayList<>();
        cluster.jobsOverview().path("jobs").forEach(overview::add);
        overview.sort(Comparator.comparingLong((JsonNode job) -> job.path("start-time").asLong()).reversed());
        Set<String> judged = new HashSet<>();
        List<Map<String, Object>> jobs = new ArrayList<>();
        for (JsonNode job : overview) {
            String name = job.path("name").asText();
            String state = job.path("state").asText();
            Instant startedAt = Instant.ofEpochMilli(job.path("start-time").asLong());
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("jobId", job.path("jid").asText());
            answer.put("name", name);
            answer.put("state", state);
            answer.put("startTime", startedAt);
            Optional<Instant> lastCheckpoint = Optional.empty();
            Optional<String> restoredFrom = Optional.empty();
            if ("RUNNING".equals(state)) {
                JsonNode checkpoints = cluster.checkpoints(job.path("jid").asText());
                answer.put("checkpoints", checkpointHealth(checkpoints));
                lastCheckpoint = lastCompleted(checkpoints);
                restoredFrom = restoredFrom(checkpoints);
            }
            boolean current = judged.add(name);
            answer.put("current", current);
            if (current) {
                answer.putAll(judgement(new JobHealth(name, state, Optional.of(startedAt), lastCheckpoint,
                        Optional.ofNullable(rowsWritten.get(name)), restoredFrom), now));
            }
            jobs.add(answer);
        }
        for (String name : new TreeSet<>(ENTRY_CLASSES.keySet())) {
            if (!judged.contains(name)) {
                Map<String, Object> answer = new LinkedHashMap<>();
                answer.put("name", name);
                answer.put("state", JobHealth.NOT_RUNNING);
                answer.put("current", true);
                answer.putAll(judgement(JobHealth.notRunning(name, Optional.ofNullable(rowsWritten.get(name))), now));
                jobs.add(answer);
            }
        }
        return jobs;
    }

    private Map<String, Object> judgement(JobHealth health, Instant now) {
        Optional<String> problem = health.problem(now);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("processing", problem.isEmpty());
        answer.put("problem", problem.orElse(null));
        answer.put("secondsSinceLastCheckpoint", JobHealth.secondsSince(health.lastCheckpointAt(), now).orElse(null));
        answer.put("lastRowWrittenAt", health.lastRowWrittenAt().orElse(null));
        answer.put("secondsSinceLastRow", JobHealth.secondsSince(health.lastRowWrittenAt(), now).orElse(null));
        answer.put("restoredFrom", health.restoredFrom().orElse(null));
        answer.put("retentionWarning", retentionRisk.warning(health.name(), now).orElse(null));
        return answer;
    }

    private Map<String, Instant> newestRows() {
        try {
            return TableWrites.newestByJob(database.dataSource());
        } catch (java.sql.SQLException e) {
            throw ApiException.unavailable("the database does not answer");
        }
    }

    /** Where the job last restored its state from (at its start, or after a failure), as Flink names it. */
    private static Optional<String> restoredFrom(JsonNode statistics) {
        JsonNode path = statistics.path("latest").path("restored").path("external_path");
        return path.isTextual() ? Optional.of(path.asText()) : Optional.empty();
    }

    private static Optional<Instant> lastCompleted(JsonNode statistics) {
        long at = statistics.path("latest").path("completed").path("latest_ack_timestamp").asLong(0);
        return at == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(at));
    }

    /** Healthy: the latest checkpoint completed, and none failed after it. */
    private static Map<String, Object> checkpointHealth(JsonNode statistics) {
        JsonNode counts = statistics.path("counts");
        JsonNode completed = statistics.path("latest").path("completed");
        JsonNode failed = statistics.path("latest").path("failed");
        long completedAt = completed.path("latest_ack_timestamp").asLong(0);
        long failedAt = failed.path("trigger_timestamp").asLong(0);
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("completed", counts.path("completed").asLong());
        health.put("failed", counts.path("failed").asLong());
        health.put("inProgress", counts.path("in_progress").asLong());
        health.put("lastCompletedAt", completedAt == 0 ? null : java.time.Instant.ofEpochMilli(completedAt));
        health.put("lastDurationMs", completed.isMissingNode() || completed.isNull() ? null : completed.path("end_to_end_duration").asLong());
        health.put("lastSizeBytes", completed.isMissingNode() || completed.isNull() ? null : completed.path("state_size").asLong());
        health.put("healthy", completedAt > 0 && failedAt <= completedAt);
        return health;
    }

    private Object submit(Call call) {
        FlinkRestClient cluster = cluster(call);
        Fields fields = new Fields(call.body(), "job", "args", "savepointPath");
        String job = fields.required("job", fields.oneOf("job", ENTRY_CLASSES.keySet()));
        List<String> args = fields.textList("args", ARGUMENT, 50).orElse(List.of());
        Optional<String> savepoint = fields.text("savepointPath", 1000);
        fields.check();
        Path jar = jobJar.orElseThrow(() -> ApiException.businessRule("no job jar is configured (--job-jar)"));
        call.audit("job/" + job);
        String jobId = cluster.run(jarId(cluster, jar), ENTRY_CLASSES.get(job), args, savepoint);
        return Reply.created(Map.of("jobId", jobId, "job", job));
    }

    private Object savepoint(Call call, boolean stop) {
        FlinkRestClient cluster = cluster(call);
        String jobId = call.path("jobId");
        if (!JOB_ID.matcher(jobId).matches()) {
            throw ApiException.notFound("job");
        }
        Optional<String> directory = call.rawBody().length == 0 ? Optional.empty() : targetDirectory(call);
        call.audit("job/" + jobId);
        String location = cluster.savepoint(jobId, directory.orElse(null), stop, SAVEPOINT_TIMEOUT);
        return Map.of("jobId", jobId, "savepointPath", location, "stopped", stop);
    }

    private static Optional<String> targetDirectory(Call call) {
        Fields fields = new Fields(call.body(), "targetDirectory");
        Optional<String> directory = fields.text("targetDirectory", 1000);
        fields.check();
        return directory;
    }

    /** The job jar is uploaded once per API process; Flink keeps it for every later run. */
    private synchronized String jarId(FlinkRestClient cluster, Path jar) {
        if (uploadedJarId == null) {
            uploadedJarId = cluster.upload(jar);
        }
        return uploadedJarId;
    }

    private FlinkRestClient cluster(Call call) {
        platform.require(call);
        return flink.orElseThrow(() -> ApiException.unavailable("no Flink cluster is configured (--flink-rest-url)"));
    }
}
