package io.plantline.pipeline.rules;

import java.time.Duration;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The compacted {@code factory.rules} topic as a job reads it: always from the beginning, since it holds the whole
 * current set of rules and settings; after a restore the job's state has them and the source resumes. The stream it
 * gives holds the job's event time back until the topic has been read to where it ended at the start
 * ({@link RulesCaughtUp}).
 */
public record RulesSource(Source<RuleChange, ?, ?> source, String bootstrapServers, String topic) {

    public static RulesSource of(String bootstrapServers, String topic, String groupId, boolean stopAtLatest) {
        KafkaSourceBuilder<RuleChange> builder = KafkaSource.<RuleChange>builder()
                .setBootstrapServers(bootstrapServers)
                .setTopics(topic)
                .setGroupId(groupId)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new RuleChangeDeserializer());
        if (stopAtLatest) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return new RulesSource(builder.build(), bootstrapServers, topic);
    }

    /** The rules and settings at parallelism 1, caught up with the topic before the job's event time moves. */
    public SingleOutputStreamOperator<RuleChange> stream(StreamExecutionEnvironment env, String name, String sourceUid,
                                                         Duration maxWait) {
        return env.fromSource(source, RulesNeverHoldBackEventTime.strategy(), name).uid(sourceUid)
                .setParallelism(1)
                .transform("wait for the rules", TypeInformation.of(RuleChange.class),
                        new RulesCaughtUp(bootstrapServers, topic, maxWait))
                .uid("rules-caught-up").setParallelism(1);
    }
}
