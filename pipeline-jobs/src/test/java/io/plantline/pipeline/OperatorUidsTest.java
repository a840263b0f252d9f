package io.plantline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.Topics;
import io.plantline.pipeline.anomaly.AnomalySettings;
import io.plantline.pipeline.lifecycle.LifecycleSettings;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * Savepoints map state to operators by uid: an operator without an explicit uid gets one from the graph's shape,
 * and the next change of the graph would orphan its state. So every operator of every production graph has its own.
 */
class OperatorUidsTest {

    private static final JobOptions OPTIONS = JobOptions.parse(new String[0], Map.of());

    @Test
    void everyOperatorOfTheAnalyticsJobHasAStableUid() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        new TelemetryAnalyticsJob(TelemetryAnalyticsJob.kafkaSources("localhost:9092", Topics.TELEMETRY, Topics.RULES),
                TelemetryAnalyticsJob.postgresAndKafkaSinks(OPTIONS, Topics.ALERTS, Topics.DEAD_LETTER),
                new TelemetryAnalyticsJob.Options(OPTIONS, AnomalySettings.DEFAULTS)).build(env);
        assertEveryNodeHasAUniqueUid(env.getStreamGraph());
    }

    @Test
    void everyOperatorOfTheOeeJobHasAStableUid() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        new OeeJob(OeeJob.kafkaSources("localhost:9092", Topics.MACHINE_EVENTS,
                List.of(Topics.TELEMETRY, Topics.DEVICE_EVENTS), Topics.RULES),
                OeeJob.postgresAndKafkaSinks(OPTIONS, Topics.DEAD_LETTER),
                OeeJob.Options.of(OPTIONS, LifecycleSettings.DEFAULTS)).build(env);
        assertEveryNodeHasAUniqueUid(env.getStreamGraph());
    }

    @Test
    void everyOperatorOfTheDeviceLifecycleJobHasAStableUid() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        new DeviceLifecycleJob(DeviceLifecycleJob.kafkaSources("localhost:9092", Topics.DEVICE_EVENTS,
                List.of(Topics.TELEMETRY, Topics.MACHINE_EVENTS), Topics.COMMANDS),
                DeviceLifecycleJob.postgresAndKafkaSinks(OPTIONS, Topics.ALERTS, Topics.DEAD_LETTER),
                new DeviceLifecycleJob.Options(OPTIONS, io.plantline.pipeline.lifecycle.LifecycleSettings.DEFAULTS)).build(env);
        assertEveryNodeHasAUniqueUid(env.getStreamGraph());
    }

    private static void assertEveryNodeHasAUniqueUid(StreamGraph graph) {
        List<StreamNode> nodes = List.copyOf(graph.getStreamNodes());
        assertThat(nodes).isNotEmpty();
        assertThat(nodes).allSatisfy(node -> assertThat(node.getTransformationUID()).as(node.getOperatorName()).isNotBlank());
        assertThat(nodes.stream().map(StreamNode::getTransformationUID)).doesNotHaveDuplicates();
    }
}
