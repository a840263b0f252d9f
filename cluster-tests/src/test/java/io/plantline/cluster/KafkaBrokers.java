package io.plantline.cluster;

import io.plantline.embedded.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * Three Kafka brokers in KRaft mode, each an OS process of its own (Apache Kafka's {@code kafka.Kafka} from Maven
 * Central, on this test's class path) and each a voter of the controller quorum, with the replication compose
 * gives its brokers: 3 replicas for every topic, 2 in sync for a write.
 */
final class KafkaBrokers implements AutoCloseable {

    private static final int BROKERS = 3;

    private final Path workDir;
    private final int[] clientPorts = new int[BROKERS];
    private final int[] controllerPorts = new int[BROKERS];
    private final Process[] processes = new Process[BROKERS];

    private KafkaBrokers(Path workDir) {
        this.workDir = workDir;
    }

    static KafkaBrokers start(Path workDir) throws Exception {
        KafkaBrokers brokers = new KafkaBrokers(workDir);
        for (int i = 0; i < BROKERS; i++) {
            brokers.clientPorts[i] = FreePorts.pick();
            brokers.controllerPorts[i] = FreePorts.pick();
        }
        String clusterId = Uuid.randomUuid().toString();
        for (int i = 0; i < BROKERS; i++) {
            Path properties = brokers.writeProperties(i);
            Process format = new ProcessBuilder(java("kafka.tools.StorageTool", "format", "-t", clusterId, "-c",
                    properties.toString())).redirectErrorStream(true)
                    .redirectOutput(workDir.resolve("kafka-" + (i + 1) + "-format.out").toFile()).start();
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                throw new IllegalStateException("formatting broker " + (i + 1) + " failed; see " + workDir);
            }
        }
        for (int i = 0; i < BROKERS; i++) {
            brokers.startBroker(i + 1);
        }
        return brokers;
    }

    String bootstrapServers() {
        return IntStream.of(clientPorts).mapToObj(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
    }

    /** Starts broker {@code nodeId} (1 to 3) on its own log folder, as after a crash. */
    void startBroker(int nodeId) throws IOException {
        Path properties = workDir.resolve("kafka-" + nodeId + ".properties");
        processes[nodeId - 1] = new ProcessBuilder(java("kafka.Kafka", properties.toString())).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("kafka-" + nodeId + ".out").toFile()))
                .start();
    }

    /** kill -9 of broker {@code nodeId}. */
    void kill(int nodeId) throws InterruptedException {
        processes[nodeId - 1].destroyForcibly();
        processes[nodeId - 1].waitFor();
    }

    /** The broker that leads the most partitions of {@code topic}. */
    int leaderOfMostPartitions(String topic) throws Exception {
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
        properties.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", Integer.toString(index + 1)),
                Map.entry("controller.quorum.voters", voters),
                Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + clientPorts[index] + ",CONTROLLER://127.0.0.1:"
                        + controllerPorts[index]),
                Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPorts[index]),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                Map.entry("log.dirs", workDir.resolve("kafka-" + (index + 1) + "-data").toString()),
                Map.entry("offsets.topic.replication.factor", "3"),
                Map.entry("transaction.state.log.replication.factor", "3"),
                Map.entry("transaction.state.log.min.isr", "2"),
                Map.entry("default.replication.factor", "3"),
                Map.entry("min.insync.replicas", "2"),
                Map.entry("group.initial.rebalance.delay.ms", "0")));
        Path file = workDir.resolve("kafka-" + (index + 1) + ".properties");
        try (var out = Files.newBufferedWriter(file)) {
            properties.store(out, "broker " + (index + 1));
        }
        return file;
    }

    private static List<String> java(String mainClass, String... arguments) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(arguments));
        return command;
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
