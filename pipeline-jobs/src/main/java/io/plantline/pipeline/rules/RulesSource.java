package io.plantline.pipeline.rules;

import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;

/**
 * The compacted {@code factory.rules} topic as a job reads it: always from the beginning, since it holds the whole
 * current set of rules and settings; after a restore the job's state has them and the source resumes.
 */
public final class RulesSource {

    private RulesSource() {
    }

    public static KafkaSourceBuilder<RuleChange> builder(String bootstrapServers, String topic, String groupId) {
        return KafkaSource.<RuleChange>builder()
                .setBootstrapServers(bootstrapServers)
                .setTopics(topic)
                .setGroupId(groupId)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new RuleChangeDeserializer());
    }
}
