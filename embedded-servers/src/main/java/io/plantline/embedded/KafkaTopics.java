package io.plantline.embedded;

import io.plantline.model.Topics;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates the Kafka topics of the architecture; topics that already exist are left as they are. A topic is returned
 * only once every partition has a leader: a broker answers a creation before it leads the new partitions, and a
 * producer that writes at once may be refused with NOT_LEADER_OR_FOLLOWER for longer than it retries.
 */
public final class KafkaTopics {

    /** Far more than a broker on this machine takes to elect the leaders of a new topic (milliseconds). */
    public static final Duration LEADERS_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration LEADERS_POLL = Duration.ofMillis(50);

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
            awaitLeaders(admin, Topics.ALL_KAFKA, LEADERS_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating Kafka topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list Kafka topics at " + bootstrapServers, e.getCause());
        }
    }

    /**
     * Returns once every partition of these topics has a leader, as the broker's metadata says; throws
     * {@link IllegalStateException} naming the topics still without one after {@code timeout}.
     */
    public static void awaitLeaders(Admin admin, Collection<String> topics, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> waiting = new TreeSet<>(topics);
        while (true) {
            waiting.removeIf(topic -> hasAllLeaders(admin, topic));
            if (waiting.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no leader after " + timeout + " for a partition of " + waiting);
            }
            Thread.sleep(LEADERS_POLL.toMillis());
        }
    }

    /** False also while the broker does not know the topic yet. */
    private static boolean hasAllLeaders(Admin admin, String topic) {
        try {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            return description.partitions().stream().allMatch(partition -> partition.leader() != null
                    && !partition.leader().isEmpty());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false;
            }
            throw new IllegalStateException("cannot describe Kafka topic " + topic, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the leaders of " + topic, e);
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
