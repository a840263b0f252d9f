package io.plantline.local;

import java.net.URI;
import java.time.Duration;
import java.nio.file.Path;
import io.plantline.pipeline.JobOptions;
import io.plantline.pipeline.PipelineEnvironment;
import java.util.Collection;
import java.util.function.Consumer;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * A Flink MiniCluster with its web UI, configured like the real cluster ({@code flink-conf/}): RocksDB
 * state, checkpoints on local disk. Memory is sized to leave room in a 2 GB local-mode heap.
 *
 * <p>One failing job must not take the others down: the jobs get three TaskManagers, and a task that does not stop
 * when cancelled is left to stop rather than the TaskManager killed after {@code task.cancellation.timeout}, which in
 * one JVM would leave every job without slots.
 */
final class LocalFlinkCluster implements AutoCloseable {

    static final int TASK_MANAGERS = 3;
    static final int SLOTS_PER_TASK_MANAGER = 2; // three jobs at parallelism 2

    private final MiniCluster cluster;

    private LocalFlinkCluster(MiniCluster cluster) {
        this.cluster = cluster;
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
        return new LocalFlinkCluster(cluster);
    }

    URI restAddress() throws Exception {
        return cluster.getRestAddress().get();
    }

    /** Builds a job's graph with the job-level settings every Plantline job runs with, and submits it. */
    void submit(String jobName, JobOptions options, Consumer<StreamExecutionEnvironment> graph) throws Exception {
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(PipelineEnvironment.configuration(options));
        env.setParallelism(options.parallelism());
        graph.accept(env);
        StreamGraph streamGraph = env.getStreamGraph();
        streamGraph.setJobName(jobName);
        cluster.submitJob(streamGraph.getJobGraph()).get();
    }

    long runningJobs() throws Exception {
        Collection<JobStatusMessage> jobs = cluster.listJobs().get();
        return jobs.stream().filter(job -> !job.getJobState().isTerminalState()).count();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
