package io.plantline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class PipelineEnvironmentTest {

    @Test
    void jobsRunOnRocksDbWithExactlyOnceCheckpoints() {
        JobOptions options = JobOptions.parse(new String[] {"--checkpoint-interval-ms=2000", "--parallelism=3"}, Map.of());

        Configuration config = PipelineEnvironment.configuration(options);
        StreamExecutionEnvironment env = PipelineEnvironment.create(options);

        assertThat(config.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(config.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        assertThat(env.getCheckpointConfig().getCheckpointingConsistencyMode()).isEqualTo(CheckpointingMode.EXACTLY_ONCE);
        assertThat(env.getCheckpointConfig().getCheckpointInterval()).isEqualTo(2000);
        assertThat(env.getParallelism()).isEqualTo(3);
        assertThat(env.getMaxParallelism()).as("the same for keyed and per-device operator state").isEqualTo(128);
    }

    @Test
    void optionsComeFromArgumentsThenEnvironmentThenDefaults() {
        JobOptions options = JobOptions.parse(new String[] {"--allowed-lateness-ms=60000"},
                Map.of("PLANTLINE_KAFKA_BOOTSTRAP", "kafka:9092", "PLANTLINE_ALLOWED_LATENESS_MS", "1"));

        assertThat(options.kafkaBootstrap()).isEqualTo("kafka:9092");
        assertThat(options.allowedLateness()).isEqualTo(Duration.ofMinutes(1));
        assertThat(options.maxOutOfOrderness()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.database().url()).isEqualTo("jdbc:postgresql://localhost:5432/plantline");
    }
}
