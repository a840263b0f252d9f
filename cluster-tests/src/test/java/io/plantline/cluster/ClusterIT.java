package io.plantline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.embedded.KafkaTopics;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 29, item 1: cluster mode as separate processes. ZooKeeper, a JobManager with ZooKeeper high availability and
 * two TaskManagers each run in an OS process of their own; the three jobs are submitted by
 * {@code docker/submit-jobs.sh} as compose submits them. A TaskManager killed with SIGKILL: every job runs again
 * from its latest checkpoint on the other. The JobManager killed with SIGKILL and a new one started: it recovers the
 * same jobs, each from its latest checkpoint, with no one resubmitting them. A second run of the script then
 * submits nothing (the script used to submit every job again at each {@code up}). The recovery times are printed.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class ClusterIT {

    private static final Duration RECOVERY = Duration.ofSeconds(150);

    @TempDir
    Path workDir;

    @Test
    void jobsSurviveATaskManagerAndTheJobManagerKilledAndAreNeverSubmittedTwice(TestDatabase database, TestKafka kafka)
            throws Exception {
        SchemaMigration.apply(database.jdbcUrl());
        KafkaTopics.createAll(kafka.bootstrapServers(), 2);
        try (ZooKeeperProcess zooKeeper = ZooKeeperProcess.start(workDir);
             StandaloneFlinkCluster flink = StandaloneFlinkCluster.startHighlyAvailable(
                     Path.of(System.getProperty("plantline.flink.lib")), workDir, zooKeeper.quorum(), 2)) {
            SubmitJobsScript script = new SubmitJobsScript(flink, kafka.bootstrapServers(), database.jdbcUrl(), workDir);
            script.run("first");
            Map<String, String> jobs = awaitRunningWithACheckpoint(script);
            assertThat(jobs).containsOnlyKeys("telemetry-analytics", "oee", "device-lifecycle");

            long killed = System.nanoTime();
            flink.killTaskManager();
            awaitRunningRestoredAfter(script, jobs, restoredCounts(script, jobs));
            System.out.printf("ClusterIT: TaskManager kill -9 -> every job RUNNING from its checkpoint in %.1f s%n",
                    (System.nanoTime() - killed) / 1e9);

            killed = System.nanoTime();
            flink.killJobManager();
            flink.startJobManager();
            awaitRunningRestoredAfter(script, jobs, Map.of());
            System.out.printf("ClusterIT: JobManager kill -9 and a new one -> the same jobs RUNNING from their checkpoints"
                    + " in %.1f s%n", (System.nanoTime() - killed) / 1e9);

            assertThat(script.run("second"))
                    .contains("telemetry-analytics is already there", "oee is already there", "device-lifecycle is already there")
                    .doesNotContain("submitting");
            assertThat(script.jobs("jid")).containsExactlyInAnyOrderElementsOf(jobs.values());
        }
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
     * Until each of {@code jobs} (the same ids) runs again and has restored a checkpoint more than
     * {@code restoredBefore} says (absent: none, as on a new JobManager, whose statistics start empty).
     */
    private static void awaitRunningRestoredAfter(SubmitJobsScript script, Map<String, String> jobs,
                                                  Map<String, Long> restoredBefore) {
        Awaitility.await().atMost(RECOVERY).pollInterval(1, TimeUnit.SECONDS).ignoreExceptions().until(() -> {
            for (String id : jobs.values()) {
                JsonNode checkpoints = script.get("/jobs/" + id + "/checkpoints");
                if (!script.get("/jobs/" + id).get("state").asText().equals("RUNNING")
                        || checkpoints.at("/counts/restored").asLong() <= restoredBefore.getOrDefault(id, 0L)
                        || checkpoints.at("/latest/restored").isMissingNode() || checkpoints.at("/latest/restored").isNull()) {
                    return false;
                }
            }
            return true;
        });
    }

    private static Map<String, Long> restoredCounts(SubmitJobsScript script, Map<String, String> jobs) throws Exception {
        Map<String, Long> counts = new TreeMap<>();
        for (String id : jobs.values()) {
            counts.put(id, script.get("/jobs/" + id + "/checkpoints").at("/counts/restored").asLong());
        }
        return counts;
    }
}
