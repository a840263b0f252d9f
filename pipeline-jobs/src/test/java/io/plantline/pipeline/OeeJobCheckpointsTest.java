package io.plantline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.Topics;
import io.plantline.pipeline.lifecycle.LifecycleSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The OEE job's graph carries its own checkpoint settings, so a MiniCluster, the bench and a cluster the jar is
 * submitted to run it alike, whatever their configuration says.
 */
class OeeJobCheckpointsTest {

    @Test
    void aCheckpointStillAligningAfterTwoSecondsGoesUnalignedAndStaysExactlyOnce() {
        JobOptions options = JobOptions.parse(new String[0], Map.of());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                PipelineEnvironment.configuration(options));
        new OeeJob(OeeJob.kafkaSources("localhost:9092", Topics.MACHINE_EVENTS,
                List.of(Topics.TELEMETRY, Topics.DEVICE_EVENTS), Topics.RULES),
                OeeJob.postgresAndKafkaSinks(options, Topics.DEAD_LETTER),
                OeeJob.Options.of(options, LifecycleSettings.DEFAULTS)).build(env);

        CheckpointConfig checkpoints = env.getStreamGraph().getCheckpointConfig();

        assertThat(checkpoints.getCheckpointingConsistencyMode()).isEqualTo(CheckpointingMode.EXACTLY_ONCE);
        assertThat(checkpoints.isUnalignedCheckpointsEnabled()).isTrue();
        assertThat(checkpoints.getAlignedCheckpointTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(checkpoints.isForceUnalignedCheckpoints()).as("unaligned only where Flink supports it").isFalse();
    }
}
