package io.plantline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 29, item 1: cluster mode as separate processes, started by {@link ProcessCluster} from compose's own files.
 * ZooKeeper, three KRaft brokers, a JobManager with ZooKeeper high availability and two TaskManagers each run in an
 * OS process of their own; the three jobs, reading those brokers, are submitted by {@code docker/submit-jobs.sh} as
 * compose submits them. The JobManager runs with the settings of {@code flink-conf/config.yaml} but for this
 * machine's, and the brokers with compose's, so the two cannot drift apart. A TaskManager killed with SIGKILL: the
 * jobs it ran restart from their latest checkpoints on the other, and every job checkpoints again. The JobManager
 * killed with SIGKILL and a new one started: it recovers the same jobs, each from its latest checkpoint, with no one
 * resubmitting them. A second run of the script then submits nothing (the script used to submit every job again at
 * each {@code up}). The broker that leads the most partitions killed mid-stream loses no acknowledged record. The
 * recovery times are printed.
 */
@ExtendWith(PostgresExtension.class)
class ClusterIT {

    private static final Duration RECOVERY = Duration.ofSeconds(150);
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    /** Kept after the run, so a failure's process logs can be read. */
    private final Path workDir = Path.of("target", "cluster-it").toAbsolutePath();

    @Test
    void jobsSurviveATaskManagerTheJobManagerAndABrokerKilledAndAreNeverSubmittedTwice(TestDatabase database)
            throws Exception {
        SchemaMigration.apply(database.jdbcUrl());
        deleteRecursively(workDir);
        ProcessCluster.Options options = new ProcessCluster.Options(ROOT, workDir,
                Path.of(System.getProperty("plantline.flink.lib")), Path.of(System.getProperty("plantline.job.jar")), 2,
                false, 0, 0, Map.of("PLANTLINE_PARALLELISM", "1", "PLANTLINE_CHECKPOINT_INTERVAL_MS", "1000"));
        try (ProcessCluster cluster = ProcessCluster.start(options,
                new ProcessCluster.JdbcLogin(database.jdbcUrl(), "", ""))) {
            StandaloneFlinkCluster flink = cluster.flink();
            SubmitJobsScript script = cluster.submitJobs();
            assertRunsComposesConfiguration(cluster, script);
            script.run("first");
            Map<String, String> jobs = awaitRunningWithACheckpoint(script);
            assertThat(jobs).containsOnlyKeys("telemetry-analytics", "oee", "device-lifecycle");

            Map<String, Long> restored = counts(script, jobs, "restored");
            Map<String, Long> completed = counts(script, jobs, "completed");
            long killed = System.nanoTime();
            flink.killTaskManager();
            awaitRunningAndCheckpointingAgain(script, jobs, restored, completed);
            System.out.printf("ClusterIT: TaskManager kill -9 -> every job RUNNING and checkpointing, those hit restored"
                    + " from their checkpoints, in %.1f s%n", (System.nanoTime() - killed) / 1e9);

            killed = System.nanoTime();
            flink.killJobManager();
            flink.startJobManager();
            awaitRunningRestored(script, jobs);
            System.out.printf("ClusterIT: JobManager kill -9 and a new one -> the same jobs RUNNING from their checkpoints"
                    + " in %.1f s%n", (System.nanoTime() - killed) / 1e9);

            assertThat(script.run("second"))
                    .contains("telemetry-analytics is already there", "oee is already there", "device-lifecycle is already there")
                    .doesNotContain("submitting");
            assertThat(script.jobs("jid")).containsExactlyInAnyOrderElementsOf(jobs.values());

            aBrokerKilledMidStreamLosesNoAcknowledgedRecord(cluster.kafka());
        }
    }

    /**
     * What the processes run with is what compose gives its containers: the JobManager's configuration is
     * {@code flink-conf/config.yaml} but for the keys a process on this machine must set (addresses, ports, folders,
     * memory) and its failure detection; a broker's is compose's {@code kafka-N} environment but for its addresses.
     */
    private static void assertRunsComposesConfiguration(ProcessCluster cluster, SubmitJobsScript script) throws Exception {
        Set<String> mayDiffer = new TreeSet<>(StandaloneFlinkCluster.MACHINE_SETTINGS);
        mayDiffer.addAll(StandaloneFlinkCluster.FAILURE_DETECTION.keySet());
        assertThat(mayDiffer).containsAll(cluster.flink().overrides().keySet());
        Map<String, String> running = new TreeMap<>();
        script.get("/jobmanager/config").forEach(entry -> running.put(entry.get("key").asText(), entry.get("value").asText()));
        Map<String, String> expected = new TreeMap<>(cluster.compose().flinkConfiguration());
        expected.keySet().removeAll(mayDiffer);
        assertThat(running).as("the JobManager's configuration").containsAllEntriesOf(expected);

        Map<String, String> composed = new TreeMap<>(KafkaBrokers.composeProperties(cluster.compose(), 1));
        composed.keySet().removeAll(KafkaBrokers.MACHINE_SETTINGS);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.kafka().bootstrapServers()))) {
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
            Map<String, String> brokerConfig = new TreeMap<>();
            admin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS).get(broker).entries()
                    .forEach(entry -> brokerConfig.put(entry.name(), entry.value()));
            assertThat(brokerConfig).as("broker 1's configuration").containsAllEntriesOf(composed);
        }
    }

    /**
     * Three KRaft brokers as processes, replication factor 3 and two in sync, a producer with {@code acks=all}: the
     * broker that leads the most partitions is killed with SIGKILL mid-stream while the producer goes on; every record
     * is acknowledged and is there exactly once.
     */
    private static void aBrokerKilledMidStreamLosesNoAcknowledgedRecord(KafkaBrokers kafka) throws Exception {
        int records = 20_000;
        String topic = "cluster-it.records";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 4, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(60, TimeUnit.SECONDS);
        }
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        long killed = 0;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < records; i++) {
                String key = "reading-" + i;
                producer.send(new ProducerRecord<>(topic, key, key), (metadata, failure) -> {
                    if (failure == null) {
                        acknowledged.add(key);
                    }
                });
                if (i == records / 2) {
                    producer.flush();
                    kafka.kill(kafka.leaderOfMostPartitions(topic));
                    killed = System.nanoTime();
                }
            }
            producer.flush();
        }
        System.out.printf("ClusterIT: broker kill -9 -> the other %d acknowledged records written in %.1f s%n",
                records - records / 2 - 1, (System.nanoTime() - killed) / 1e9);
        assertThat(acknowledged).hasSize(records);

        Map<String, Integer> read = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "cluster-it", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            Awaitility.await().atMost(RECOVERY).until(() -> {
                consumer.poll(Duration.ofMillis(500)).forEach(record -> read.merge(record.key(), 1, Integer::sum));
                return read.size() >= records;
            });
        }
        assertThat(read.keySet()).containsExactlyInAnyOrderElementsOf(acknowledged);
        assertThat(read.values()).as("each record once").containsOnly(1);
    }

    /** Job name to id, once each of the three runs and has completed a checkpoint. */
    private static Map<String, String> awaitRunningWithACheckpoint(SubmitJobsScript script) {
        return Awaitility.await().atMost(RECOVERY).pollInterval(1, TimeUnit.SECONDS).ignoreExceptions().until(() -> {
            Map<String, String> running = new TreeMap<>();
            for (JsonNode job : script.jobs()) {
                if (job.get("state").asText().equals("RUNNING") && script.get("/jobs/" + job.get("jid").asText()
                        + "/checkpoints").at("/counts/completed").asLong() > 0) {
                    running.put(job.get("name").asText(), job.get("jid").asText());
                }
            }
            return running;
        }, running -> running.size() == 3);
    }

    /**
     * Until each of {@code jobs} runs and has completed a checkpoint since {@code completedBefore}, and at least one
     * (those that had tasks on the lost TaskManager; region fail-over leaves the others alone) has restored one
     * more checkpoint than {@code restoredBefore}.
     */
    private static void awaitRunningAndCheckpointingAgain(SubmitJobsScript script, Map<String, String> jobs,
                                                          Map<String, Long> restoredBefore,
                                                          Map<String, Long> completedBefore) {
        Awaitility.await().atMost(RECOVERY).pollInterval(1, TimeUnit.SECONDS).ignoreExceptions().until(() -> {
            long restored = 0;
            for (String id : jobs.values()) {
                JsonNode checkpoints = script.get("/jobs/" + id + "/checkpoints");
                if (!script.get("/jobs/" + id).get("state").asText().equals("RUNNING")
                        || checkpoints.at("/counts/completed").asLong() <= completedBefore.get(id)) {
                    return false;
                }
                restored += checkpoints.at("/counts/restored").asLong() - restoredBefore.get(id);
            }
            return restored > 0;
        });
    }

    /** Until each of {@code jobs} (the same ids) runs on a new JobManager, restored from its latest checkpoint. */
    private static void awaitRunningRestored(SubmitJobsScript script, Map<String, String> jobs) {
        Awaitility.await().atMost(RECOVERY).pollInterval(1, TimeUnit.SECONDS).ignoreExceptions().until(() -> {
            for (String id : jobs.values()) {
                JsonNode restored = script.get("/jobs/" + id + "/checkpoints").at("/latest/restored");
                if (!script.get("/jobs/" + id).get("state").asText().equals("RUNNING") || restored.isMissingNode()
                        || restored.isNull()) {
                    return false;
                }
            }
            return true;
        });
    }

    /** A checkpoint count ({@code restored}, {@code completed}) per job id. */
    private static Map<String, Long> counts(SubmitJobsScript script, Map<String, String> jobs, String count)
            throws Exception {
        Map<String, Long> counts = new TreeMap<>();
        for (String id : jobs.values()) {
            counts.put(id, script.get("/jobs/" + id + "/checkpoints").at("/counts/" + count).asLong());
        }
        return counts;
    }

    private static void deleteRecursively(Path folder) throws java.io.IOException {
        if (java.nio.file.Files.exists(folder)) {
            try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(folder)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.delete(path);
                }
            }
        }
    }
}
