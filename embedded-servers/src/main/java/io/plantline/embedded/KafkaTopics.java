package io.plantline.embedded;

import io.plantline.model.Topics;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the Kafka topics of the architecture; topics that already exist are left as they are. */
public final class KafkaTopics {

    private KafkaTopics() {
    }

    public static void createAll(String bootstrapServers, int partitions) {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(config)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = Topics.ALL_KAFKA.stream()
                    .filter(name -> !existing.contains(name))
                    .map(name -> newTopic(name, partitions))
                    .toList();
            admin.createTopics(missing).values().values().forEach(KafkaTopics::ignoreIfExists);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating Kafka topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list Kafka topics at " + bootstrapServers, e.getCause());
        }
    }

    private static NewTopic newTopic(String name, int partitions) {
        NewTopic topic = new NewTopic(name, partitions, (short) 1);
        // Rules and settings are state, not history: compaction keeps the latest value per key forever,
        // so a job that restarts from scratch still learns every rule.
        return Topics.RULES.equals(name)
                ? topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))
                : topic;
    }

    private static void ignoreIfExists(org.apache.kafka.common.KafkaFuture<Void> creation) {
        try {
            creation.get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create a Kafka topic", e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating Kafka topics", e);
        }
    }
}
