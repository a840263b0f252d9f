package io.plantline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaExtension.class)
class TestKafkaTest {

    /** A test's first write to a topic it just created must not meet a partition without a leader. */
    @Test
    void aNewTopicIsReturnedOnlyOnceEveryPartitionHasALeader(TestKafka kafka) throws Exception {
        String topic = kafka.createTopic("leaders", 8);

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            assertThat(description.partitions()).hasSize(8).allSatisfy((TopicPartitionInfo partition) -> {
                assertThat(partition.leader()).isNotNull();
                assertThat(partition.leader().isEmpty()).as("partition %d has no leader", partition.partition()).isFalse();
            });
        }
        kafka.produce(topic, "key", new byte[] {1});
        assertThat(kafka.read(topic, 1, Duration.ofSeconds(10))).hasSize(1);
    }
}
