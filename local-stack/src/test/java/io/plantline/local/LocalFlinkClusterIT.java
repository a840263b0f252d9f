package io.plantline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.plantline.api.jobs.JobHealth;
import io.plantline.embedded.FreePorts;
import io.plantline.model.DeviceRef;
import io.plantline.model.TelemetryReading;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.pipeline.JobOptions;
import io.plantline.pipeline.OeeJob;
import io.plantline.pipeline.TelemetryAnalyticsJob;
import io.plantline.pipeline.anomaly.AnomalySettings;
import io.plantline.pipeline.lifecycle.LifecycleSettings;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local mode's jobs across restarts of the MiniCluster, as a restart of the stack runs them, against in-process Kafka
 * and PostgreSQL: a newest checkpoint that cannot be restored is set aside and the job resumes from the one before.
 */
@ExtendWith({KafkaExtension.class, PostgresExtension.class})
class LocalFlinkClusterIT {

    private static final long T0 = Instant.parse("2026-11-23T08:00:00Z").toEpochMilli();
    private static final String MINUTE_ROWS = "SELECT 1 FROM telemetry_1m";

    private final TestKafka kafka;
    private final TestDatabase database;
    @TempDir
    Path checkpoints;
    @TempDir
    Path logs;
    private String telemetryTopic;
    private String rulesTopic;
    private String alertsTopic;
    private String deadLetterTopic;
    private JobOptions options;

    LocalFlinkClusterIT(TestKafka kafka, TestDatabase database) {
        this.kafka = kafka;
        this.database = database;
        SchemaMigration.apply(database.jdbcUrl());
    }

    @BeforeEach
    void freshTopicsAndTables() throws Exception {
        telemetryTopic = kafka.createTopic("telemetry", 1);
        rulesTopic = kafka.createTopic("rules", 1);
        alertsTopic = kafka.createTopic("alerts", 1);
        deadLetterTopic = kafka.createTopic("dead-letter", 1);
        database.execute("TRUNCATE telemetry_1m, alerts, anomalies CASCADE");
        options = JobOptions.parse(new String[] {"--kafka-bootstrap=" + kafka.bootstrapServers(),
                "--jdbc-url=" + database.jdbcUrl(), "--parallelism=1", "--checkpoint-interval-ms=300"}, Map.of());
    }

    @Test
    void aNewestCheckpointThatCannotBeRestoredIsSetAsideAndTheJobResumesFromTheOneBefore() throws Exception {
        try (LocalFlinkCluster flink = start()) {
            assertThat(flink.submit(TelemetryAnalyticsJob.NAME, options, analytics()).get().from()).isEmpty();
            kafka.produceAll(telemetryTopic, readings(0, 2));
            await().atMost(Duration.ofSeconds(60)).until(() -> database.query(MINUTE_ROWS).size() == 1);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> flink.checkpoints(TelemetryAnalyticsJob.NAME).size() >= LocalFlinkCluster.RETAINED_CHECKPOINTS);
        }
        List<Path> kept = LocalFlinkCluster.checkpoints(checkpoints, TelemetryAnalyticsJob.NAME);
        Files.write(kept.get(0).resolve("_metadata"), "not a checkpoint".getBytes(StandardCharsets.UTF_8));

        try (LocalFlinkCluster flink = start()) {
            LocalFlinkCluster.Restore restore = flink.submit(TelemetryAnalyticsJob.NAME, options, analytics()).get();

            assertThat(restore.from()).contains(kept.get(1));
            assertThat(restore.setAside()).singleElement().satisfies(refused -> {
                assertThat(refused.checkpoint().getFileName().toString())
                        .isEqualTo(kept.get(0).getFileName() + LocalFlinkCluster.UNRESTORABLE);
                assertThat(refused.checkpoint()).isDirectory();
            });
            assertThat(restore.describe()).startsWith("resumes from " + kept.get(1).getFileName() + "; "
                    + kept.get(0).getFileName() + LocalFlinkCluster.UNRESTORABLE + " could not be restored (");
            kafka.produceAll(telemetryTopic, readings(2, 4));
            await().atMost(Duration.ofSeconds(60)).until(() -> database.query(MINUTE_ROWS).size() == 3);
            assertThat(flink.jobs()).singleElement().satisfies(job -> {
                assertThat(job.state()).isEqualTo("RUNNING");
                assertThat(job.restoredFrom()).hasValueSatisfying(path ->
                        assertThat(path).endsWith("/" + kept.get(1).getFileName()));
            });
        }
    }

    /** As after an upgrade that changed the job's operators: no checkpoint restores, so it starts without state. */
    @Test
    void aJobThatCanRestoreNoneOfItsCheckpointsSetsThemAsideAndStartsWithoutState() throws Exception {
        try (LocalFlinkCluster flink = start()) {
            flink.submit(TelemetryAnalyticsJob.NAME, options, analytics()).get();
            kafka.produceAll(telemetryTopic, readings(0, 2));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> flink.checkpoints(TelemetryAnalyticsJob.NAME).size() >= LocalFlinkCluster.RETAINED_CHECKPOINTS);
        }

        try (LocalFlinkCluster flink = start()) {
            Consumer<StreamExecutionEnvironment> otherOperators = env -> new OeeJob(
                    OeeJob.kafkaSources(kafka.bootstrapServers(), kafka.createTopic("machine-events", 1),
                            List.of(telemetryTopic), rulesTopic),
                    OeeJob.postgresAndKafkaSinks(options, deadLetterTopic),
                    OeeJob.Options.of(options, LifecycleSettings.DEFAULTS)).build(env);
            LocalFlinkCluster.Restore restore = flink.submit(TelemetryAnalyticsJob.NAME, options, otherOperators).get();

            assertThat(restore.from()).isEmpty();
            assertThat(restore.setAside()).hasSize(LocalFlinkCluster.RETAINED_CHECKPOINTS);
            assertThat(restore.describe()).startsWith("starts without state, from its consumer groups' offsets; ");
            await().atMost(Duration.ofSeconds(60)).until(() -> flink.jobs().get(0).state().equals("RUNNING"));
        }
    }

    private LocalFlinkCluster start() throws Exception {
        return LocalFlinkCluster.start(FreePorts.pick(), checkpoints, logs.resolve("local-stack.log"));
    }

    private Consumer<StreamExecutionEnvironment> analytics() {
        return env -> new TelemetryAnalyticsJob(
                TelemetryAnalyticsJob.kafkaSources(kafka.bootstrapServers(), telemetryTopic, rulesTopic),
                TelemetryAnalyticsJob.postgresAndKafkaSinks(options, alertsTopic, deadLetterTopic),
                new TelemetryAnalyticsJob.Options(options, AnomalySettings.DEFAULTS)).build(env);
    }

    /** One machine's temperature every second from minute {@code from} to minute {@code to}. */
    private static List<Map.Entry<String, byte[]>> readings(int from, int to) {
        DeviceMessageCodec codec = DeviceMessageCodec.withDefaults();
        DeviceRef device = new DeviceRef("acme", "press-1");
        List<Map.Entry<String, byte[]>> records = new ArrayList<>();
        for (long second = from * 60L; second < to * 60L; second++) {
            Instant ts = Instant.ofEpochMilli(T0 + second * 1000);
            records.add(new AbstractMap.SimpleImmutableEntry<>(device.key(),
                    codec.encode(new TelemetryReading(device, ts, ts, Map.of("temperature", 70.0 + second % 3)))));
        }
        return records;
    }
}
