package io.plantline.cluster;

import io.plantline.embedded.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import io.plantline.model.Topics;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * Three Kafka brokers in KRaft mode, each an OS process of its own (Apache Kafka's {@code kafka.Kafka} from Maven
 * Central, on this class path) and each a voter of the controller quorum, configured from compose's {@code kafka-N}
 * services: each {@code KAFKA_*} variable becomes the broker property Apache Kafka's image makes of it
 * ({@link #property}), and only {@link #MACHINE_SETTINGS} (its id, addresses and log folder) are this machine's. So
 * the brokers have compose's replication: 3 replicas for every topic, 2 in sync for a write.
 */
public final class KafkaBrokers implements AutoCloseable {

    private static final int BROKERS = 3;
    /** The compose variables that name a container's addresses and volume; a process sets its own. */
    public static final Set<String> MACHINE_SETTINGS = Set.of("node.id", "listeners", "advertised.listeners",
            "controller.quorum.voters", "log.dirs");

    private final ComposeFile compose;
    private final Path workDir;
    private final int[] clientPorts = new int[BROKERS];
    private final int[] controllerPorts = new int[BROKERS];
    private final Process[] processes = new Process[BROKERS];

    private KafkaBrokers(ComposeFile compose, Path workDir) {
        this.compose = compose;
        this.workDir = workDir;
    }

    public static KafkaBrokers start(ComposeFile compose, Path workDir) throws Exception {
        KafkaBrokers brokers = new KafkaBrokers(compose, workDir);
        for (int i = 0; i < BROKERS; i++) {
            brokers.clientPorts[i] = FreePorts.pick();
            brokers.controllerPorts[i] = FreePorts.pick();
        }
        String clusterId = Uuid.randomUuid().toString();
        try {
            for (int i = 0; i < BROKERS; i++) {
                Path properties = brokers.writeProperties(i);
                Process format = JavaProcess.start(workDir.resolve("kafka-" + (i + 1) + "-format.out"), List.of("-Xmx256m"),
                        "kafka.tools.StorageTool", List.of("format", "-t", clusterId, "-c", properties.toString()), Map.of());
                if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                    throw new IllegalStateException("formatting broker " + (i + 1) + " failed; see " + workDir);
                }
            }
            for (int i = 0; i < BROKERS; i++) {
                brokers.startBroker(i + 1);
            }
            return brokers;
        } catch (Exception | Error e) {
            brokers.close();
            throw e;
        }
    }

    /**
     * The broker properties compose's {@code kafka-N} gives, as Apache Kafka's image writes them: {@code KAFKA_} left
     * out, the rest in lower case, {@code ___} a dash, {@code __} an underscore, {@code _} a dot.
     */
    public static Map<String, String> composeProperties(ComposeFile compose, int nodeId) {
        Map<String, String> properties = new TreeMap<>();
        compose.environment("kafka-" + nodeId, Map.of()).forEach((variable, value) -> {
            if (variable.startsWith("KAFKA_")) {
                properties.put(property(variable), value);
            }
        });
        return properties;
    }

    static String property(String variable) {
        return variable.substring("KAFKA_".length()).toLowerCase(java.util.Locale.ROOT).replace("___", "-")
                .replace("__", "\u0000").replace('_', '.').replace('\u0000', '_');
    }

    /** Creates the topics of the architecture as compose's {@code kafka-topics} does: 3 replicas, 2 in sync. */
    public void createTopics(int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            List<NewTopic> topics = Topics.ALL_KAFKA.stream().map(name -> {
                Map<String, String> configs = new HashMap<>(Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2"));
                if (Topics.RULES.equals(name)) {
                    configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
                }
                return new NewTopic(name, partitions, (short) BROKERS).configs(configs);
            }).toList();
            admin.createTopics(topics).all().get(120, TimeUnit.SECONDS);
        }
    }

    public String bootstrapServers() {
        return IntStream.of(clientPorts).mapToObj(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
    }

    /** Starts broker {@code nodeId} (1 to 3) on its own log folder, as after a crash. */
    public void startBroker(int nodeId) throws IOException {
        Path properties = workDir.resolve("kafka-" + nodeId + ".properties");
        processes[nodeId - 1] = JavaProcess.start(workDir.resolve("kafka-" + nodeId + ".out"), List.of("-Xmx256m"),
                "kafka.Kafka", List.of(properties.toString()), Map.of());
    }

    /** kill -9 of broker {@code nodeId}. */
    public void kill(int nodeId) throws InterruptedException {
        JavaProcess.kill(processes[nodeId - 1]);
    }

    /** The broker that leads the most partitions of {@code topic}. */
    public int leaderOfMostPartitions(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            Map<Integer, Integer> led = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()
                    .forEach(partition -> led.merge(partition.leader().id(), 1, Integer::sum));
            return led.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        }
    }

    private Path writeProperties(int index) throws IOException {
        String voters = IntStream.range(0, BROKERS).mapToObj(i -> (i + 1) + "@127.0.0.1:" + controllerPorts[i])
                .collect(Collectors.joining(","));
        Properties properties = new Properties();
        properties.putAll(composeProperties(compose, index + 1));
        properties.putAll(Map.of(
                "node.id", Integer.toString(index + 1),
                "controller.quorum.voters", voters,
                "listeners", "INTERNAL://127.0.0.1:" + clientPorts[index] + ",CONTROLLER://127.0.0.1:"
                        + controllerPorts[index],
                "advertised.listeners", "INTERNAL://127.0.0.1:" + clientPorts[index],
                "log.dirs", workDir.resolve("kafka-" + (index + 1) + "-data").toString()));
        Path file = workDir.resolve("kafka-" + (index + 1) + ".properties");
        try (var out = Files.newBufferedWriter(file)) {
            properties.store(out, "broker " + (index + 1) + ": compose's kafka-" + (index + 1) + " on this machine");
        }
        return file;
    }

    @Override
    public void close() throws InterruptedException {
        for (Process process : processes) {
            if (process != null) {
                process.destroy();
            }
        }
        for (Process process : processes) {
            if (process != null && !process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
