package io.plantline.local;

import io.plantline.api.jobs.JobHealth;
import io.plantline.concurrent.DaemonThreads;
import io.plantline.pipeline.JobOptions;
import io.plantline.pipeline.PipelineEnvironment;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Flink MiniCluster with its web UI, configured like the real cluster ({@code flink-conf/}): RocksDB
 * state, checkpoints on local disk. Memory is sized to leave room in a 2 GB local-mode heap.
 *
 * <p>One failing job must not take the others down: the jobs get three TaskManagers, and a task that does not stop
 * when cancelled is left to stop rather than the TaskManager killed after {@code task.cancellation.timeout}, which in
 * one JVM would leave every job without slots.
 *
 * <p>Jobs go on where they were at the previous start: a job's ids are the same at every start, so its checkpoints
 * are found again ({@code <checkpoints>/<job id>/chk-N}), and it is submitted to resume from the newest complete one
 * (Flink writes a checkpoint's {@code _metadata} last), which it then owns. That holds after Ctrl-C, which takes a
 * last checkpoint of every job, and after {@code kill -9}. Each job keeps its {@value #RETAINED_CHECKPOINTS} newest
 * checkpoints, each whole in itself (full, not incremental: the state of local mode is small), so one that cannot be
 * restored (damaged, or from a version whose operators differ) is renamed {@code chk-N.unrestorable} and the job
 * resumes from the next one that can; with none left, it starts without state from its consumer groups' offsets.
 * Every fallback is logged and printed ({@link Restore}).
 */
final class LocalFlinkCluster implements AutoCloseable {

    static final int TASK_MANAGERS = 3;
    static final int SLOTS_PER_TASK_MANAGER = 2; // three jobs at parallelism 2
    static final int RETAINED_CHECKPOINTS = 3;
    static final String UNRESTORABLE = ".unrestorable";
    private static final Duration LAST_CHECKPOINT_WITHIN = Duration.ofSeconds(20);
    /** A restore neither done nor failed by then is left to go on (it may be large); the job's state shows. */
    private static final Duration RESTORE_WITHIN = Duration.ofMinutes(2);
    private static final Pattern CHECKPOINT = Pattern.compile("chk-\\d+");
    private static final Pattern EXCEPTION_NAMES = Pattern.compile("^([\\w.$]+(Exception|Error): )+");
    private static final Logger LOG = LoggerFactory.getLogger(LocalFlinkCluster.class);

    private final MiniCluster cluster;
    private final Path checkpointDir;
    /** Written by the threads that resume the jobs, read by the status line's. */
    private final Map<String, JobID> jobs = Collections.synchronizedMap(new LinkedHashMap<>());

    private LocalFlinkCluster(MiniCluster cluster, Path checkpointDir) {
        this.cluster = cluster;
        this.checkpointDir = checkpointDir;
    }

    /** @param logFile shown in the web UI's log view, which otherwise says the log cannot be found */
    static LocalFlinkCluster start(int restPort, Path checkpointDir, Path logFile) throws Exception {
        Configuration config = new Configuration();
        config.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        config.set(RestOptions.ADDRESS, "127.0.0.1");
        config.set(RestOptions.PORT, restPort);
        config.set(WebOptions.LOG_PATH, logFile.toString());
        config.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir.toUri().toString());
        config.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, RETAINED_CHECKPOINTS);
        config.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(128));   // per TaskManager
        config.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.ofMebiBytes(32));
        config.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.ofMebiBytes(32));
        config.set(TaskManagerOptions.TASK_CANCELLATION_TIMEOUT, Duration.ZERO);   // 0: never kill the TaskManager
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(config)
                .setNumTaskManagers(TASK_MANAGERS)
                .setNumSlotsPerTaskManager(SLOTS_PER_TASK_MANAGER)
                .build());
        cluster.start();
        return new LocalFlinkCluster(cluster, checkpointDir);
    }

    URI restAddress() throws Exception {
        return cluster.getRestAddress().get();
    }

    /** Where a job resumed from (empty: without state), and the newer checkpoints it could not, set aside. */
    record Restore(Optional<Path> from, List<Unrestorable> setAside) {

        /** As the start output and the log say it. */
        String describe() {
            String resumed = from.map(checkpoint -> "resumes from " + checkpoint.getFileName())
                    .orElse(setAside.isEmpty() ? "starts from the beginning of its topics"
                            : "starts without state, from its consumer groups' offsets");
            return resumed + setAside.stream().map(refused -> "; " + refused.checkpoint().getFileName()
                    + " could not be restored (" + refused.reason() + ")").collect(Collectors.joining());
        }
    }

    /** A checkpoint a job could not restore, renamed where it was, and why. */
    record Unrestorable(Path checkpoint, String reason) {
    }

    /**
     * Builds a job's graph with the job-level settings every Plantline job runs with, and submits it, on a thread of
     * its own (a restore takes a while, and the jobs restore side by side), to resume from its newest checkpoint that
     * restores: one that fails to (the job fails, or a task fails, before every task runs) is renamed
     * {@code chk-N.unrestorable} and the job is submitted again, under its next id (Flink takes no job id twice), from
     * the next older one. Checkpoints beyond the newest {@value #RETAINED_CHECKPOINTS} that are left from earlier
     * starts, which the running job does not own, are deleted.
     *
     * @return completes once the job runs, saying where it resumed from
     */
    CompletableFuture<Restore> submit(String jobName, JobOptions options, Consumer<StreamExecutionEnvironment> graph) {
        jobs.put(jobName, jobId(jobName, 0));   // the status line lists the jobs in the order they were submitted
        CompletableFuture<Restore> restore = new CompletableFuture<>();
        DaemonThreads.named("resume " + jobName).newThread(() -> {
            try {
                restore.complete(resume(jobName, options, graph));
            } catch (Exception | Error e) {
                restore.completeExceptionally(e);
            }
        }).start();
        return restore;
    }

    private Restore resume(String jobName, JobOptions options, Consumer<StreamExecutionEnvironment> graph)
            throws Exception {
        List<Path> checkpoints = checkpoints(jobName);
        List<Unrestorable> setAside = new ArrayList<>();
        for (int attempt = 0; ; attempt++) {
            Optional<Path> from = attempt < Math.min(checkpoints.size(), RETAINED_CHECKPOINTS)
                    ? Optional.of(checkpoints.get(attempt)) : Optional.empty();
            JobID id = jobId(jobName, attempt);
            jobs.put(jobName, id);
            cluster.submitJob(jobGraph(jobName, id, options, graph, from)).get();
            Optional<String> failure = from.isPresent() ? restoreFailure(id) : Optional.empty();
            if (failure.isEmpty()) {
                deleteOlderThanRetained(checkpoints.subList(attempt, checkpoints.size()));
                Restore restore = new Restore(from, setAside);
                if (!setAside.isEmpty()) {
                    LOG.warn("{} {}", jobName, restore.describe());
                }
                return restore;
            }
            stop(id);
            Path renamed = from.get().resolveSibling(from.get().getFileName() + UNRESTORABLE);
            Files.move(from.get(), renamed);
            setAside.add(new Unrestorable(renamed, failure.get()));
            LOG.warn("{} cannot resume from {}: {}", jobName, from.get(), failure.get());
        }
    }

    private static JobGraph jobGraph(String jobName, JobID id, JobOptions options,
                                     Consumer<StreamExecutionEnvironment> graph, Optional<Path> from) {
        Configuration config = PipelineEnvironment.configuration(options);
        // Each checkpoint whole in itself, so setting one aside or deleting one leaves the others complete.
        config.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, false);
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(config);
        env.setParallelism(options.parallelism());
        graph.accept(env);
        StreamGraph streamGraph = env.getStreamGraph();
        streamGraph.setJobName(jobName);
        streamGraph.setJobId(id);
        from.ifPresent(checkpoint -> streamGraph.setSavepointRestoreSettings(
                SavepointRestoreSettings.forPath(checkpoint.toUri().toString(), false, RecoveryClaimMode.CLAIM)));
        return streamGraph.getJobGraph();
    }

    /**
     * Empty once every task of the job runs, its state restored; else why the restore failed: the job failed (its
     * checkpoint unreadable, or state no operator of the graph claims), or a task failed first.
     */
    private Optional<String> restoreFailure(JobID id) throws Exception {
        Instant deadline = Instant.now().plus(RESTORE_WITHIN);
        while (Instant.now().isBefore(deadline)) {
            AccessExecutionGraph graph = cluster.getExecutionGraph(id).get(10, TimeUnit.SECONDS);
            if (graph.getFailureInfo() != null) {
                return Optional.of(rootCause(graph.getFailureInfo().getException()));
            }
            if (graph.getState().isGloballyTerminalState()) {
                return Optional.of("the job ended " + graph.getState());
            }
            if (graph.getState() == JobStatus.RUNNING && everyTaskRuns(graph)) {
                return Optional.empty();
            }
            Thread.sleep(100);
        }
        LOG.warn("job {} has not finished restoring in {}; left to go on", id, RESTORE_WITHIN);
        return Optional.empty();
    }

    private static boolean everyTaskRuns(AccessExecutionGraph graph) {
        int tasks = 0;
        for (AccessExecutionVertex task : graph.getAllExecutionVertices()) {
            if (task.getExecutionState() != ExecutionState.RUNNING && task.getExecutionState() != ExecutionState.FINISHED) {
                return false;
            }
            tasks++;
        }
        return tasks > 0;
    }

    /** The innermost cause's message, without the exception class names wrapped into it, in at most 300 characters. */
    private static String rootCause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = EXCEPTION_NAMES.matcher(String.valueOf(root.getMessage())).replaceFirst("").lines().findFirst()
                .orElse("");
        return text.length() <= 300 ? text : text.substring(0, 299) + "…";
    }

    /** Cancels a job that failed to restore, if it still runs, and waits until it has ended. */
    private void stop(JobID id) throws Exception {
        if (!cluster.getJobStatus(id).get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
            cluster.cancelJob(id).get(10, TimeUnit.SECONDS);
        }
        cluster.requestJobResult(id).get(LAST_CHECKPOINT_WITHIN.toSeconds(), TimeUnit.SECONDS);
    }

    /**
     * The ids a job runs under, the same at every start, so its checkpoints are found again: attempt 0's, which
     * earlier versions used alone, then one per checkpoint that could not be restored.
     */
    static JobID jobId(String jobName, int attempt) {
        String name = "plantline-local/" + jobName + (attempt == 0 ? "" : "/" + attempt);
        UUID uuid = UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
        return new JobID(uuid.getLeastSignificantBits(), uuid.getMostSignificantBits());
    }

    List<Path> checkpoints(String jobName) throws IOException {
        return checkpoints(checkpointDir, jobName);
    }

    /** A job's complete checkpoints under every id it runs under, newest (last written) first. */
    static List<Path> checkpoints(Path checkpointDir, String jobName) throws IOException {
        List<Path> checkpoints = new ArrayList<>();
        for (int attempt = 0; attempt <= RETAINED_CHECKPOINTS; attempt++) {
            checkpoints.addAll(completeCheckpoints(checkpointDir.resolve(jobId(jobName, attempt).toHexString())));
        }
        checkpoints.sort(Comparator.comparing(LocalFlinkCluster::writtenAt).reversed());
        return checkpoints;
    }

    /** The complete checkpoints in one job directory (Flink writes {@code _metadata} last). */
    static List<Path> completeCheckpoints(Path jobDirectory) throws IOException {
        if (!Files.isDirectory(jobDirectory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(jobDirectory)) {
            return entries.filter(entry -> CHECKPOINT.matcher(entry.getFileName().toString()).matches())
                    .filter(entry -> Files.isRegularFile(entry.resolve("_metadata")))
                    .toList();
        }
    }

    private static FileTime writtenAt(Path checkpoint) {
        try {
            return Files.getLastModifiedTime(checkpoint.resolve("_metadata"));
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    /** {@code checkpoints} (newest first, the first the one resumed from) beyond the retained number. */
    private static void deleteOlderThanRetained(List<Path> checkpoints) throws IOException {
        for (Path old : checkpoints.subList(Math.min(RETAINED_CHECKPOINTS, checkpoints.size()), checkpoints.size())) {
            try (Stream<Path> files = Files.walk(old)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
            LOG.info("deleted {}, older than the {} checkpoints kept", old, RETAINED_CHECKPOINTS);
        }
    }

    /** Each submitted job as the status line and its checks need it; a job the cluster lost shows as not running. */
    List<JobHealth> jobs() {
        List<JobHealth> health = new ArrayList<>();
        for (Map.Entry<String, JobID> job : submitted()) {
            health.add(health(job.getKey(), job.getValue()));
        }
        return health;
    }

    private JobHealth health(String name, JobID id) {
        try {
            AccessExecutionGraph graph = cluster.getExecutionGraph(id).get(2, TimeUnit.SECONDS);
            JobStatus state = graph.getState();
            CheckpointStatsSnapshot checkpoints = graph.getCheckpointStatsSnapshot();
            CompletedCheckpointStats last = checkpoints == null ? null
                    : checkpoints.getHistory().getLatestCompletedCheckpoint();
            RestoredCheckpointStats restored = checkpoints == null ? null : checkpoints.getLatestRestoredCheckpoint();
            long startedAt = graph.getStatusTimestamp(JobStatus.RUNNING);
            return new JobHealth(name, state.name(),
                    startedAt > 0 ? Optional.of(Instant.ofEpochMilli(startedAt)) : Optional.empty(),
                    last == null ? Optional.empty() : Optional.of(Instant.ofEpochMilli(last.getLatestAckTimestamp())),
                    Optional.empty(), restored == null ? Optional.empty() : Optional.ofNullable(restored.getExternalPath()));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return JobHealth.notRunning(name, Optional.empty());
        }
    }

    private List<Map.Entry<String, JobID>> submitted() {
        synchronized (jobs) {
            return List.copyOf(jobs.entrySet());
        }
    }

    /** Takes a checkpoint of every running job, so the next start resumes from here, then stops the cluster. */
    @Override
    public void close() throws Exception {
        for (Map.Entry<String, JobID> job : submitted()) {
            try {
                if (cluster.getJobStatus(job.getValue()).get(2, TimeUnit.SECONDS) == JobStatus.RUNNING) {
                    cluster.triggerCheckpoint(job.getValue()).get(LAST_CHECKPOINT_WITHIN.toSeconds(), TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                LOG.warn("no last checkpoint of {} ({}); it resumes from its previous one", job.getKey(), e.toString());
            }
        }
        cluster.close();
    }
}
