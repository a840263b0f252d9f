package io.plantline.pipeline;

import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The execution settings every Plantline job runs with, whatever cluster it is submitted to: RocksDB
 * state with incremental checkpoints (state larger than memory, cheap checkpoints) and timers on the heap, exactly-once
 * checkpoints kept on cancellation (so an upgrade can resume from one), and exponential-delay restarts.
 */
public final class PipelineEnvironment {

    /**
     * Fixed for every operator, keyed or not: operators that keep per-device state on the heap route it after a
     * restore by the key groups of the device-keyed operators ({@link io.plantline.pipeline.ingest.DeviceRouting}),
     * which only holds while both have the same maximum. Left to Flink, a restored keyed operator keeps its old one
     * while the others derive theirs from the new parallelism. 128 is Flink's own default up to parallelism 85, so
     * checkpoints taken before keep their key groups; it is also the most a job can be rescaled to.
     */
    public static final int MAX_PARALLELISM = 128;

    private PipelineEnvironment() {
    }

    /** The job-level configuration; a cluster's own settings (checkpoint directory, memory) stay in force. */
    public static Configuration configuration(JobOptions options) {
        Configuration config = new Configuration();
        // Flink 2.x chooses the state backend through configuration, not env.setStateBackend.
        config.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        config.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        // Timers on the heap: CEP and windows set one per key and timestamp, and RocksDB-held timers cost a seek
        // each. A timer is ~100 bytes of heap; a million series keys' window timers fit in about 100 MB.
        config.set(RocksDBOptions.TIMER_SERVICE_FACTORY, EmbeddedRocksDBStateBackend.PriorityQueueStateType.HEAP);
        config.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, options.checkpointInterval());
        config.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, options.checkpointInterval().dividedBy(2));
        config.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, Duration.ofSeconds(1));
        config.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, Duration.ofMinutes(1));
        return config;
    }

    public static StreamExecutionEnvironment create(JobOptions options) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration(options));
        env.setParallelism(options.parallelism());
        env.setMaxParallelism(MAX_PARALLELISM);
        return env;
    }
}
