package io.plantline.local;

import io.plantline.api.jobs.JobHealth;
import io.plantline.pipeline.JobOptions;
import io.plantline.pipeline.PipelineEnvironment;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
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
 * <p>Jobs go on where they were at the previous start: each job has the same id at every start, so its checkpoints
 * are in one directory ({@code <checkpoints>/<job id>/chk-N}), and a job is submitted to resume from the newest
 * complete one there (Flink writes a checkpoint's {@code _metadata} last), which it then owns. That holds after
 * Ctrl-C, which takes a last checkpoint of every job, and after {@code kill -9}.
 */
final class LocalFlinkCluster implements AutoCloseable {

    static final int TASK_MANAGERS = 3;
    static final int SLOTS_PER_TASK_MANAGER = 2; // three jobs at parallelism 2
    private static final Duration LAST_CHECKPOINT_WITHIN = Duration.ofSeconds(20);
    private static final Logger LOG = LoggerFactory.getLogger(LocalFlinkCluster.class);

    private final MiniCluster cluster;
    private final Path checkpointDir;
    private final Map<String, JobID> jobs = new LinkedHashMap<>();

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

    /**
     * Builds a job's graph with the job-level settings every Plantline job runs with, and submits it to resume from
     * its newest checkpoint, if it has one.
     *
     * @return the checkpoint it resumes from
     */
    Optional<Path> submit(String jobName, JobOptions options, Consumer<StreamExecutionEnvironment> graph)
            throws Exception {
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(PipelineEnvironment.configuration(options));
        env.setParallelism(options.parallelism());
        graph.accept(env);
        StreamGraph streamGraph = env.getStreamGraph();
        streamGraph.setJobName(jobName);
        JobID id = jobId(jobName);
        streamGraph.setJobId(id);
        Optional<Path> resumeFrom = newestCheckpoint(checkpointDir.resolve(id.toHexString()));
        resumeFrom.ifPresent(checkpoint -> streamGraph.setSavepointRestoreSettings(
                SavepointRestoreSettings.forPath(checkpoint.toUri().toString(), false, RecoveryClaimMode.CLAIM)));
        cluster.submitJob(streamGraph.getJobGraph()).get();
        jobs.put(jobName, id);
        return resumeFrom;
    }

    /** The same id at every start, so the job's checkpoints are found again. */
    static JobID jobId(String jobName) {
        UUID uuid = UUID.nameUUIDFromBytes(("plantline-local/" + jobName).getBytes(StandardCharsets.UTF_8));
        return new JobID(uuid.getLeastSignificantBits(), uuid.getMostSignificantBits());
    }

    /** The complete checkpoint with the highest number in a job's directory. */
    static Optional<Path> newestCheckpoint(Path jobDirectory) throws IOException {
        if (!Files.isDirectory(jobDirectory)) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(jobDirectory)) {
            return entries.filter(entry -> entry.getFileName().toString().matches("chk-\\d+"))
                    .filter(entry -> Files.isRegularFile(entry.resolve("_metadata")))
                    .max(Comparator.comparingLong(entry -> Long.parseLong(entry.getFileName().toString().substring(4))));
        }
    }

    /** Each submitted job as the status line and its checks need it; a job the cluster lost shows as not running. */
    List<JobHealth> jobs() {
        List<JobHealth> health = new ArrayList<>();
        for (Map.Entry<String, JobID> job : jobs.entrySet()) {
            health.add(health(job.getKey(), job.getValue()));
        }
        return health;
    }

    private JobHealth health(String name, JobID id) {
        try {
            AccessExecutionGraph graph = cluster.getExecutionGraph(id).get(2, TimeUnit.SECONDS);
            JobStatus state = graph.getState();
            CompletedCheckpointStats last = graph.getCheckpointStatsSnapshot() == null ? null
                    : graph.getCheckpointStatsSnapshot().getHistory().getLatestCompletedCheckpoint();
            long startedAt = graph.getStatusTimestamp(JobStatus.RUNNING);
            return new JobHealth(name, state.name(),
                    startedAt > 0 ? Optional.of(Instant.ofEpochMilli(startedAt)) : Optional.empty(),
                    last == null ? Optional.empty() : Optional.of(Instant.ofEpochMilli(last.getLatestAckTimestamp())),
                    Optional.empty());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return JobHealth.notRunning(name, Optional.empty());
        }
    }

    /** Takes a checkpoint of every running job, so the next start resumes from here, then stops the cluster. */
    @Override
    public void close() throws Exception {
        for (Map.Entry<String, JobID> job : jobs.entrySet()) {
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
