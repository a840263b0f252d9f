package io.plantline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.plantline.model.AlertEvent;
import io.plantline.model.AlertTransition;
import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceCommand;
import io.plantline.model.DeviceRef;
import io.plantline.model.Heartbeat;
import io.plantline.model.OtaProgress;
import io.plantline.model.OtaStatus;
import io.plantline.model.TelemetryReading;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.RecordJson;
import io.plantline.pipeline.lifecycle.LifecycleSettings;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The device-lifecycle job on a MiniCluster, from in-process Kafka to PostgreSQL: an update that succeeds, one that
 * fails its checksum, one rolled back, a device going offline and back in event time, an impossible report.
 */
@ExtendWith({KafkaExtension.class, PostgresExtension.class})
class DeviceLifecycleJobIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestCluster.extension();

    private static final long T0 = TelemetryFeed.T0;
    private static final String ORG = "lifecycle-org";
    private static final DeviceMessageCodec CODEC = DeviceMessageCodec.withDefaults();

    private final TestKafka kafka;
    private final TestDatabase database;
    private JobClient job;

    DeviceLifecycleJobIT(TestKafka kafka, TestDatabase database) {
        this.kafka = kafka;
        this.database = database;
        SchemaMigration.apply(database.jdbcUrl());
    }

    @AfterEach
    void cancelJob() throws Exception {
        if (job != null) {
            job.cancel().get();
        }
    }

    @Test
    void updatesEndSucceededOrFailedWithTheirReasonAndSilentDevicesGoOffline() throws Exception {
        database.execute("DELETE FROM organisations WHERE slug = '" + ORG + "'");
        database.execute("INSERT INTO organisations (slug, name) VALUES ('" + ORG + "', 'Lifecycle')");
        database.execute("INSERT INTO devices (org_slug, device_id, firmware_current) SELECT '" + ORG + "', d, '1.0.0'"
                + " FROM unnest(ARRAY['ok-1', 'bad-2', 'back-3', 'quiet-4']) AS d");
        database.execute("INSERT INTO firmware (org_slug, firmware_id, version, size_bytes, sha256, content) VALUES ('"
                + ORG + "', '00000000-0000-0000-0000-000000000001', '2.0.0', 1, '" + "a".repeat(64) + "', '\\x00')");
        database.execute("INSERT INTO ota_deployments (org_slug, deployment_id, firmware_id, status, policy) VALUES ('"
                + ORG + "', 'dep-1', '00000000-0000-0000-0000-000000000001', 'RUNNING', '{}')");
        database.execute("INSERT INTO ota_targets (org_slug, deployment_id, device_id, stage, state) SELECT '" + ORG
                + "', 'dep-1', d, 0, 'SENT' FROM unnest(ARRAY['ok-1', 'bad-2', 'back-3']) AS d");
        String events = kafka.createTopic("device-events", 1);
        String telemetry = kafka.createTopic("telemetry", 1);
        String commands = kafka.createTopic("commands", 1);
        String alerts = kafka.createTopic("alerts", 1);
        String deadLetters = kafka.createTopic("dead-letter", 1);
        job = start(events, telemetry, commands, alerts, deadLetters);
        await().atMost(Duration.ofSeconds(60)).until(() -> job.getJobStatus().get() == JobStatus.RUNNING);

        for (String device : List.of("ok-1", "bad-2", "back-3")) {
            kafka.produce(commands, ORG + "/" + device, RecordJson.write(new DeviceCommand("c-" + device,
                    new DeviceRef(ORG, device), "ota.update", Instant.ofEpochMilli(T0), Map.of("deploymentId", "dep-1",
                    "version", "2.0.0"))));
        }
        for (String device : List.of("ok-1", "bad-2", "back-3", "quiet-4")) {
            kafka.produce(events, ORG + "/" + device, heartbeat(device, 0, "1.0.0"));
        }
        for (OtaStatus status : List.of(OtaStatus.DOWNLOADING, OtaStatus.DOWNLOADED, OtaStatus.VERIFIED,
                OtaStatus.INSTALLING, OtaStatus.SUCCEEDED)) {
            kafka.produce(events, ORG + "/ok-1", report("ok-1", 1_000 + status.ordinal() * 1_000, status, null));
            kafka.produce(events, ORG + "/back-3", report("back-3", 1_000 + status.ordinal() * 1_000, status, null));
        }
        kafka.produce(events, ORG + "/bad-2", report("bad-2", 2_000, OtaStatus.DOWNLOADED, null));
        kafka.produce(events, ORG + "/bad-2", report("bad-2", 3_000, OtaStatus.FAILED, "checksum_mismatch: got 00ff"));
        kafka.produce(events, ORG + "/bad-2", report("bad-2", 4_000, OtaStatus.INSTALLING, null)); // after its end
        kafka.produce(events, ORG + "/ok-1", heartbeat("ok-1", 60_000, "2.0.0"));
        kafka.produce(events, ORG + "/back-3", heartbeat("back-3", 60_000, "1.0.0"));
        // ok-1 keeps sending for 5 minutes of event time; quiet-4 stays silent after its first heartbeat.
        for (long offset = 70_000; offset <= 300_000; offset += 10_000) {
            kafka.produce(telemetry, ORG + "/ok-1", reading("ok-1", offset));
        }

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(targets()).isEqualTo(Map.of(
                "ok-1", "SUCCEEDED/null", "bad-2", "FAILED/checksum_mismatch", "back-3", "FAILED/rollback_detected")));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(database.query("SELECT online, status,"
                + " opened_at FROM devices JOIN alerts USING (org_slug, device_id) WHERE org_slug = '" + ORG
                + "' AND device_id = 'quiet-4' AND rule_id = 'DEVICE_OFFLINE'")).singleElement().satisfies(row -> {
                    assertThat(row).containsEntry("online", false).containsEntry("status", "ACTIVE");
                    assertThat(((java.sql.Timestamp) row.get("opened_at")).toInstant()).isEqualTo(Instant.ofEpochMilli(T0 + 90_000));
                }));
        assertThat(database.query("SELECT firmware_current, firmware_previous, firmware_target IS NULL AS no_target, online"
                + " FROM devices WHERE org_slug = '" + ORG + "' AND device_id = 'ok-1'")).containsExactly(Map.of(
                "firmware_current", "2.0.0", "firmware_previous", "1.0.0", "no_target", true, "online", true));

        kafka.produce(telemetry, ORG + "/quiet-4", reading("quiet-4", 310_000));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(database.query("SELECT status FROM alerts"
                + " WHERE org_slug = '" + ORG + "' AND device_id = 'quiet-4'")).containsExactly(Map.of("status", "CLEARED")));
        // bad-2 and back-3 fell silent after their last heartbeat too: they are offline as well.
        List<byte[]> onAlertsTopic = kafka.read(alerts, Integer.MAX_VALUE, Duration.ofSeconds(5)).stream()
                .map(record -> record.value()).toList();
        List<AlertEvent> alertEvents = onAlertsTopic.stream().filter(value -> !RecordJson.isOtaTargetEvent(value))
                .map(RecordJson::readAlertEvent).toList();
        // Every update step is on the topic too, for live progress. (SENT only when the job read the command before
        // the device's first report: they come from different topics.)
        assertThat(onAlertsTopic.stream().filter(RecordJson::isOtaTargetEvent).map(RecordJson::readOtaTargetEvent)
                .filter(event -> event.device().deviceId().equals("ok-1")).map(event -> event.state()).toList())
                .containsSubsequence("DOWNLOADING", "DOWNLOADED", "VERIFIED", "INSTALLING", "SUCCEEDED")
                .endsWith("INSTALLING", "INSTALLING", "SUCCEEDED");
        assertThat(alertEvents).filteredOn(event -> event.device().deviceId().equals("quiet-4"))
                .extracting(AlertEvent::transition).containsExactly(AlertTransition.OPENED, AlertTransition.CLEARED);
        assertThat(alertEvents).filteredOn(event -> event.transition() == AlertTransition.OPENED)
                .extracting(event -> event.device().deviceId()).containsExactlyInAnyOrder("quiet-4", "bad-2", "back-3");
        List<DeadLetter> letters = kafka.read(deadLetters, 1, Duration.ofSeconds(30)).stream()
                .map(record -> RecordJson.readDeadLetter(record.value())).toList();
        assertThat(letters).singleElement().satisfies(letter -> assertThat(letter.reason()).isEqualTo("invalid_transition"));
    }

    /**
     * Issue 16, item 9: after a broker outage, a device's queued messages reach the job once it has declared the
     * device offline. The alert is cleared at a time the table accepts, and the job goes on.
     */
    @Test
    void anOutageReplayOfOlderMessagesClearsTheOfflineAlertAndTheJobGoesOn() throws Exception {
        String device = "replayed-1";
        String keeper = device + "-keeper";
        String events = kafka.createTopic("device-events", 1);
        String telemetry = kafka.createTopic("telemetry", 1);
        job = start(events, telemetry, kafka.createTopic("commands", 1), kafka.createTopic("alerts", 1),
                kafka.createTopic("dead-letter", 1));
        kafka.produce(events, ORG + "/" + device, heartbeat(device, 0, null));
        for (long offset = 0; offset <= 200_000; offset += 10_000) {     // event time goes on with another device
            kafka.produce(telemetry, ORG + "/" + keeper, reading(keeper, offset));
        }
        String alert = "SELECT status, opened_at, cleared_at FROM alerts WHERE org_slug = '" + ORG + "' AND device_id = '"
                + device + "' ORDER BY opened_at";
        await().atMost(Duration.ofSeconds(60)).until(() -> database.query(alert).size() == 1);

        // What the broker queued during the outage: readings taken while the job thought the device silent.
        for (long offset = 10_000; offset <= 60_000; offset += 10_000) {
            kafka.produce(telemetry, ORG + "/" + device, reading(device, offset));
        }
        kafka.produce(telemetry, ORG + "/" + keeper, reading(keeper, 210_000));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(database.query(alert)).first()
                .satisfies(row -> {
                    assertThat(row).containsEntry("status", "CLEARED");
                    assertThat((java.sql.Timestamp) row.get("cleared_at")).isAfterOrEqualTo((java.sql.Timestamp) row.get("opened_at"));
                }));
        // The job goes on: silent since its last queued reading at 1:00, the device is offline again from 2:30.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(database.query(alert)).hasSize(2).last()
                .satisfies(row -> assertThat(((java.sql.Timestamp) row.get("opened_at")).toInstant())
                        .isEqualTo(Instant.ofEpochMilli(T0 + 150_000))));
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    }

    /** Issue 16, item 12: a row the database refuses is a dead letter; every other row is written and the job goes on. */
    @Test
    void aRowTheDatabaseRefusesIsADeadLetterAndTheJobGoesOn() throws Exception {
        String refused = "refused-1";
        String fine = refused + "-fine";
        database.execute("INSERT INTO organisations (slug, name) VALUES ('" + ORG + "', 'Lifecycle') ON CONFLICT DO NOTHING");
        database.execute("INSERT INTO devices (org_slug, device_id) VALUES ('" + ORG + "', '" + refused + "'), ('" + ORG
                + "', '" + fine + "')");
        database.execute("ALTER TABLE devices ADD CONSTRAINT refuse_online CHECK (device_id <> '" + refused + "' OR NOT online)");
        try {
            String events = kafka.createTopic("device-events", 1);
            String deadLetters = kafka.createTopic("dead-letter", 1);
            job = start(events, kafka.createTopic("telemetry", 1), kafka.createTopic("commands", 1),
                    kafka.createTopic("alerts", 1), deadLetters);
            kafka.produce(events, ORG + "/" + refused, heartbeat(refused, 0, "1.0.0"));
            kafka.produce(events, ORG + "/" + fine, heartbeat(fine, 0, "1.0.0"));

            await().atMost(Duration.ofSeconds(60)).until(() -> !database.query("SELECT 1 FROM devices WHERE device_id = '"
                    + fine + "' AND online").isEmpty());
            assertThat(kafka.read(deadLetters, 1, Duration.ofSeconds(30)))
                    .extracting(record -> RecordJson.readDeadLetter(record.value()))
                    .singleElement().satisfies(letter -> {
                        assertThat(letter.reason()).isEqualTo("database_refused");
                        assertThat(letter.origin()).isEqualTo("devices");
                        assertThat(letter.key()).isEqualTo(ORG + "/" + refused);
                    });
            kafka.produce(events, ORG + "/" + fine, heartbeat(fine, 1_000, "1.1.0"));
            await().atMost(Duration.ofSeconds(30)).until(() -> !database.query("SELECT 1 FROM devices WHERE device_id = '"
                    + fine + "' AND firmware_current = '1.1.0'").isEmpty());
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            database.execute("ALTER TABLE devices DROP CONSTRAINT refuse_online");
        }
    }

    /**
     * Issue 16, item 11: with the wall-clock fallback on, a silent commands topic must not hold event time back:
     * a device silent for the offline limit goes offline after that limit plus at most the out-of-orderness bound.
     */
    @Test
    void withTheWallClockFallbackOnASilentDeviceGoesOfflineAfterTheLimitNotLater() throws Exception {
        String device = "live-1";
        String keeper = device + "-keeper";
        String telemetry = kafka.createTopic("telemetry", 1);
        // Offline after 10 s, a silent partition idle after 1 s and following the wall clock after 20 s.
        job = start(kafka.createTopic("device-events", 1), telemetry, kafka.createTopic("commands", 1),
                kafka.createTopic("alerts", 1), kafka.createTopic("dead-letter", 1), "--offline-after-ms=10000",
                "--idleness-ms=1000", "--wall-clock-after-ms=20000");
        await().atMost(Duration.ofSeconds(60)).until(() -> job.getJobStatus().get() == JobStatus.RUNNING);
        long lastSeen = System.currentTimeMillis();
        kafka.produce(telemetry, ORG + "/" + device, live(device, lastSeen));
        long offlineSeenBy = Long.MAX_VALUE;
        for (long now = lastSeen; now < lastSeen + 40_000 && offlineSeenBy == Long.MAX_VALUE; now = System.currentTimeMillis()) {
            kafka.produce(telemetry, ORG + "/" + keeper, live(keeper, now));   // another device, live
            if (!database.query("SELECT 1 FROM alerts WHERE org_slug = '" + ORG + "' AND device_id = '" + device
                    + "' AND rule_id = 'DEVICE_OFFLINE'").isEmpty()) {
                offlineSeenBy = System.currentTimeMillis();
            }
            await().pollDelay(Duration.ofMillis(200)).until(() -> true);
        }

        // 10 s of silence, the 1 s bound, a watermark interval and the sink's flush: well under the 20 s the
        // wall-clock wait would add if the silent commands topic held event time back.
        assertThat(offlineSeenBy - lastSeen).isBetween(10_000L, 18_000L);
    }

    private static byte[] live(String device, long epochMillis) {
        Instant ts = Instant.ofEpochMilli(epochMillis);
        return CODEC.encode(new TelemetryReading(new DeviceRef(ORG, device), ts, ts, Map.of("temperature", 20.0)));
    }

    private Map<String, String> targets() throws Exception {
        Map<String, String> states = new java.util.TreeMap<>();
        for (Map<String, Object> row : database.query("SELECT device_id, state, reason FROM ota_targets WHERE org_slug = '"
                + ORG + "'")) {
            states.put((String) row.get("device_id"), row.get("state") + "/" + row.get("reason"));
        }
        return states;
    }

    private static byte[] heartbeat(String device, long offset, String firmware) {
        Instant ts = Instant.ofEpochMilli(T0 + offset);
        return CODEC.encode(new Heartbeat(new DeviceRef(ORG, device), ts, ts, Optional.ofNullable(firmware)));
    }

    private static byte[] report(String device, long offset, OtaStatus status, String message) {
        Instant ts = Instant.ofEpochMilli(T0 + offset);
        return CODEC.encode(new OtaProgress(new DeviceRef(ORG, device), ts, ts, "dep-1", status, OptionalInt.empty(),
                Optional.ofNullable(message)));
    }

    private static byte[] reading(String device, long offset) {
        Instant ts = Instant.ofEpochMilli(T0 + offset);
        return CODEC.encode(new TelemetryReading(new DeviceRef(ORG, device), ts, ts, Map.of("temperature", 20.0)));
    }

    /** Test data lies in the past: the wall clock must not move its event time. */
    private JobClient start(String events, String telemetry, String commands, String alerts, String deadLetters)
            throws Exception {
        return start(events, telemetry, commands, alerts, deadLetters, "--wall-clock-after-ms=3600000");
    }

    private JobClient start(String events, String telemetry, String commands, String alerts, String deadLetters,
                            String... settings) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--kafka-bootstrap=" + kafka.bootstrapServers(),
                "--jdbc-url=" + database.jdbcUrl(), "--parallelism=2", "--checkpoint-interval-ms=1000",
                "--out-of-orderness-ms=1000"));
        args.addAll(List.of(settings));
        DeviceLifecycleJob.Options options = DeviceLifecycleJob.Options.parse(args.toArray(String[]::new), Map.of());
        Configuration config = PipelineEnvironment.configuration(options.job());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(options.job().parallelism());
        new DeviceLifecycleJob(DeviceLifecycleJob.kafkaSources(kafka.bootstrapServers(), events, List.of(telemetry), commands),
                DeviceLifecycleJob.postgresAndKafkaSinks(options.job(), alerts, deadLetters), options).build(env);
        return env.executeAsync(DeviceLifecycleJob.NAME);
    }
}
