package io.plantline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.plantline.model.AlertTransition;
import io.plantline.model.DeadLetter;
import io.plantline.model.json.RecordJson;
import io.plantline.pipeline.alerting.RuleBuilder;
import io.plantline.pipeline.anomaly.AnomalySettings;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The whole job on a MiniCluster, from in-process Kafka to PostgreSQL, and across a restart from a checkpoint. */
@ExtendWith({KafkaExtension.class, PostgresExtension.class})
class TelemetryAnalyticsJobIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestCluster.extension();

    private static final String TELEMETRY_1M = """
            SELECT device_id, metric, bucket_start, count, min, max, avg, stddev FROM telemetry_1m
            ORDER BY device_id, metric, bucket_start""";
    private static final String ALERTS = """
            SELECT id, device_id, rule_id, severity, status, opened_at, last_value, peak_value, escalated_at, cleared_at
            FROM alerts ORDER BY opened_at, device_id""";
    private static final String ANOMALIES = "SELECT device_id, metric, ts, value, score, method FROM anomalies"
            + " ORDER BY device_id, metric, ts, method";

    private final TestKafka kafka;
    private final TestDatabase database;
    private String telemetryTopic;
    private String rulesTopic;
    private String alertsTopic;
    private String deadLetterTopic;
    private JobClient job;

    TelemetryAnalyticsJobIT(TestKafka kafka, TestDatabase database) {
        this.kafka = kafka;
        this.database = database;
        SchemaMigration.apply(database.jdbcUrl());
    }

    @BeforeEach
    void freshTopicsAndTables() throws SQLException {
        telemetryTopic = kafka.createTopic("telemetry", 2);
        rulesTopic = kafka.createTopic("rules", 1);
        alertsTopic = kafka.createTopic("alerts", 1);
        deadLetterTopic = kafka.createTopic("dead-letter", 1);
        database.execute("TRUNCATE telemetry_1m, telemetry_1h, telemetry_1d, alerts, anomalies CASCADE");
    }

    @AfterEach
    void cancelJob() throws Exception {
        if (job != null) {
            job.cancel().get();
        }
    }

    @Test
    void scriptedPlantEndToEnd() throws Exception {
        // The rule is on the topic when the job starts: every reading is judged against it, none before it is read.
        kafka.produce(rulesTopic, "acme/rule/hot",
                RecordJson.write(RuleBuilder.rule("hot").above(80).forSeconds(10).clearAt(75).build()));
        job = start(Optional.empty(), Optional.empty());

        TelemetryFeed feed = new TelemetryFeed();
        for (int second = 0; second < 180; second++) {
            boolean breach = second >= 30 && second < 60;
            feed.reading("press-1", second * 1000L, Map.of("temperature", breach ? 85.0 : 70.0, "spindle_rpm", 1200.0));
            feed.reading("press-2", second * 1000L, "temperature", second == 100 ? 1000 : 60 + second % 2);
        }
        feed.raw("acme/press-1", "{not json".getBytes(StandardCharsets.UTF_8));
        feed.reading("press-1", 185_000, "temperature", 70).reading("press-2", 185_000, "temperature", 61);
        kafka.produceAll(telemetryTopic, feed.records());   // event time reaches 3:00: minutes 0 to 2 are written

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(database.query("SELECT 1 FROM telemetry_1m")).hasSize(9));
        assertThat(database.query("""
                SELECT count, min, max FROM telemetry_1m
                WHERE device_id = 'press-1' AND metric = 'temperature' ORDER BY bucket_start""")).containsExactly(
                Map.of("count", 60L, "min", 70.0, "max", 85.0),
                Map.of("count", 60L, "min", 70.0, "max", 70.0),
                Map.of("count", 60L, "min", 70.0, "max", 70.0));

        // 95 s late, within the allowed 2 minutes: the row of minute 1 is corrected.
        kafka.produceAll(telemetryTopic, new TelemetryFeed().reading("press-2", 90_000, "temperature", 1000).records());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(database.query("""
                SELECT count, max FROM telemetry_1m WHERE device_id = 'press-2' AND bucket_start = '%s'"""
                .formatted(new Timestamp(TelemetryFeed.T0 + 60_000).toInstant())))
                .containsExactly(Map.of("count", 61L, "max", 1000.0)));
        // In the same transaction its hour and day took the late reading too: all 181 readings of minutes 0 to 2.
        for (String rollUp : List.of("telemetry_1h", "telemetry_1d")) {
            assertThat(database.query("SELECT count, max FROM " + rollUp + " WHERE device_id = 'press-2'"))
                    .as(rollUp).containsExactly(Map.of("count", 181L, "max", 1000.0));
        }

        // Event time reaches 10:00; then a reading for minute 0 is too late and becomes a dead letter.
        kafka.produceAll(telemetryTopic, new TelemetryFeed().reading("press-1", 600_000, "temperature", 70)
                .reading("press-2", 600_000, "temperature", 61).records());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(database.query("SELECT 1 FROM telemetry_1m")).hasSize(11));
        kafka.produceAll(telemetryTopic, new TelemetryFeed().reading("press-2", 30_000, "temperature", 1000).records());

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(database.query(ALERTS))
                .singleElement().satisfies(alert -> {
                    assertThat(alert).containsEntry("device_id", "press-1").containsEntry("status", "CLEARED")
                            .containsEntry("peak_value", 85.0).containsEntry("last_value", 70.0);
                    assertThat(((Timestamp) alert.get("opened_at")).getTime()).isEqualTo(TelemetryFeed.T0 + 40_000);
                    assertThat(((Timestamp) alert.get("cleared_at")).getTime()).isEqualTo(TelemetryFeed.T0 + 70_000);
                }));
        // A change may come twice (the lifecycle replays signals that arrive out of order); consumers dedupe.
        assertThat(kafka.read(alertsTopic, 2, Duration.ofSeconds(20)).stream()
                .map(record -> RecordJson.readAlertEvent(record.value()).transition()).distinct())
                .containsExactly(AlertTransition.OPENED, AlertTransition.CLEARED);

        assertThat(kafka.read(deadLetterTopic, 2, Duration.ofSeconds(20)))
                .extracting(record -> RecordJson.readDeadLetter(record.value()))
                .extracting(DeadLetter::reason).containsExactlyInAnyOrder("malformed_json", "too_late");
        // The step from 70 to 85 is a level shift; press-2's reading of 1000 in order is a spike, its two late ones
        // come after the watermark and are not judged (a baseline follows readings in event-time order); steady series
        // raise nothing.
        assertThat(database.query("SELECT DISTINCT device_id, metric, method FROM anomalies WHERE method = 'level_shift'"))
                .contains(Map.of("device_id", "press-1", "metric", "temperature", "method", "level_shift"));
        assertThat(database.query("SELECT method, value, ts FROM anomalies WHERE device_id = 'press-2'"))
                .containsExactly(Map.of("method", "spike", "value", 1000.0,
                        "ts", new Timestamp(TelemetryFeed.T0 + 100_000)));
        assertThat(database.query("SELECT 1 FROM anomalies WHERE metric = 'spindle_rpm'")).isEmpty();
    }

    /**
     * Issue 16, item 6: with four partitions read by two subtasks, a job stopped at random points and restored each
     * time from its last checkpoint writes exactly what one uninterrupted run writes. The seed is in the message.
     */
    @Test
    void restartsAtRandomPointsWriteWhatOneUninterruptedRunWrites(@TempDir Path checkpoints) throws Exception {
        assertCutRunsWriteWhatOneRunWrites(checkpoints, 2, 2, 2);
    }

    /**
     * Issue 29, item 3: the same with the job rescaled mid-stream, restored from its checkpoint at parallelism 4 and
     * then back at 2: readings held for event-time order or for the rules follow their device to its new subtask.
     */
    @Test
    void rescaledFromTwoToFourAndBackMidStreamWritesWhatOneUninterruptedRunWrites(@TempDir Path checkpoints)
            throws Exception {
        assertCutRunsWriteWhatOneRunWrites(checkpoints, 2, 4, 2);
    }

    /** The input in three parts cut at random, each run at its parallelism from the previous one's checkpoint. */
    private void assertCutRunsWriteWhatOneRunWrites(Path checkpoints, int... parallelisms) throws Exception {
        TelemetryFeed feed = plantMinutes(0, 6, 8).reading("press-9", 20 * 60_000, "temperature", 50);
        List<Map.Entry<String, byte[]>> records = feed.records();
        long seed = System.nanoTime();
        Random random = new Random(seed);

        // The uninterrupted run.
        telemetryTopic = kafka.createTopic("telemetry", 4);
        publishRules();
        job = start(Optional.empty(), Optional.empty(), 2);
        kafka.produceAll(telemetryTopic, records);
        List<Map<String, Object>> expectedMinutes = awaitSettled(TELEMETRY_1M, 8 * 2 * 6);
        List<Map<String, Object>> expectedAlerts = database.query(ALERTS);
        job.cancel().get();
        job = null;
        assertThat(expectedAlerts).hasSizeGreaterThanOrEqualTo(10);

        // The same input, in three parts cut at random; after each of the first two the job is stopped as soon as it
        // has completed a checkpoint, and restored from it.
        freshTopicsAndTables();
        telemetryTopic = kafka.createTopic("telemetry", 4);
        publishRules();
        int firstCut = records.size() / 5 + random.nextInt(records.size() / 3);
        int secondCut = firstCut + 1 + random.nextInt(records.size() - firstCut - 2);
        Optional<Path> checkpoint = Optional.empty();
        int from = 0;
        int[] cuts = {firstCut, secondCut};
        for (int part = 0; part < 2; part++) {
            kafka.produceAll(telemetryTopic, records.subList(from, cuts[part]));
            job = start(Optional.of(checkpoints), checkpoint, parallelisms[part]);
            checkpoint = Optional.of(Checkpoints.cancelAndTakeLatest(job, checkpoints));
            from = cuts[part];
        }
        kafka.produceAll(telemetryTopic, records.subList(from, records.size()));
        job = start(Optional.of(checkpoints), checkpoint, parallelisms[2]);

        String run = "seed " + seed + ", cut after " + firstCut + " and " + secondCut + " of " + records.size()
                + ", parallelism " + java.util.Arrays.toString(parallelisms);
        assertThat(awaitSettled(TELEMETRY_1M, 8 * 2 * 6)).as(run).isEqualTo(expectedMinutes);
        assertThat(database.query(ALERTS)).as(run).isEqualTo(expectedAlerts);
    }

    /**
     * Issue 16, item 6: a partition that was idle (so event time went on without it) and resumes behind the others,
     * as a gateway flushing its buffer does, still has its breaches judged, as if it had kept up.
     */
    @Test
    void aPartitionThatResumesBehindTheOthersHasItsBreachesJudged() throws Exception {
        String early = devicesOnPartitions(2).get(0);
        String late = devicesOnPartitions(2).get(1);
        TelemetryFeed keptUp = new TelemetryFeed();
        TelemetryFeed resumedFirst = new TelemetryFeed();
        TelemetryFeed resumedLater = new TelemetryFeed();
        for (int second = 0; second < 150; second++) {
            keptUp.reading(early, second * 1000L, "temperature", second >= 20 && second < 40 ? 85 : 70);
            (second < 30 ? resumedFirst : resumedLater).reading(late, second * 1000L, "temperature",
                    second >= 80 && second < 110 ? 86 : 70);
        }
        // Both devices go on a little, so event time passes what the late one sent.
        resumedLater.reading(early, 160_000, "temperature", 70).reading(late, 160_000, "temperature", 70);

        // The uninterrupted run: both partitions keep up.
        telemetryTopic = kafka.createTopic("telemetry", 2);
        publishRules();
        job = start(Optional.empty(), Optional.empty());
        kafka.produceAll(telemetryTopic, keptUp.records());
        kafka.produceAll(telemetryTopic, resumedFirst.records());
        kafka.produceAll(telemetryTopic, resumedLater.records());
        List<Map<String, Object>> expectedAlerts = awaitAlerts(2);
        job.cancel().get();
        job = null;

        // The late device's partition falls silent for longer than the idleness, event time goes on to 2:30 with the
        // other one, then the rest of it arrives, behind that but within the allowed lateness.
        freshTopicsAndTables();
        telemetryTopic = kafka.createTopic("telemetry", 2);
        publishRules();
        job = start(Optional.empty(), Optional.empty());
        kafka.produceAll(telemetryTopic, resumedFirst.records());
        kafka.produceAll(telemetryTopic, keptUp.records());
        await().atMost(Duration.ofSeconds(60)).until(() -> database.query(
                "SELECT 1 FROM telemetry_1m WHERE device_id = '" + early + "'").size() >= 2);
        kafka.produceAll(telemetryTopic, resumedLater.records());

        assertThat(awaitAlerts(2)).isEqualTo(expectedAlerts);
    }

    /** Two device ids whose records Kafka's default partitioner puts on partitions 0 and 1 of {@code partitions}. */
    private static List<String> devicesOnPartitions(int partitions) {
        List<String> found = new java.util.ArrayList<>(java.util.Collections.nCopies(partitions, null));
        for (int i = 0; found.contains(null); i++) {
            String device = "press-" + i;
            byte[] key = ("acme/" + device).getBytes(StandardCharsets.UTF_8);
            int partition = org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(key))
                    % partitions;
            if (found.get(partition) == null) {
                found.set(partition, device);
            }
        }
        return found;
    }

    private List<Map<String, Object>> awaitAlerts(int count) throws SQLException {
        await().atMost(Duration.ofSeconds(60)).until(() -> database.query(ALERTS).size() >= count);
        return awaitSettled(ALERTS, count);
    }

    /** Issue 16, item 12: a row the database refuses is a dead letter; every other row is written and the job goes on. */
    @Test
    void aRowTheDatabaseRefusesIsADeadLetterAndTheJobGoesOn() throws Exception {
        database.execute("ALTER TABLE telemetry_1m ADD CONSTRAINT refuse_press_2 CHECK (device_id <> 'press-2')");
        try {
            List<DeadLetter> refused = refusedPlantMinutes(6, "press-1", "press-3");
            assertThat(refused).hasSize(6).allSatisfy(letter -> {
                assertThat(letter.origin()).isEqualTo("telemetry_1m");
                assertThat(letter.key()).isEqualTo("acme/press-2");
                assertThat(letter.detail()).contains("refuse_press_2");
            });
            assertThat(database.query(ALERTS)).extracting(row -> row.get("device_id")).contains("press-2");
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            database.execute("ALTER TABLE telemetry_1m DROP CONSTRAINT refuse_press_2");
        }
    }

    /** Issue 16, item 4: a QoS 1 redelivery or an HTTP retry counts once in minutes, alerts and anomalies. */
    @Test
    void everyReadingDeliveredTwiceInRandomOrderWritesWhatOneDeliveryWrites() throws Exception {
        TelemetryFeed feed = plantMinutes(0, 4).reading("press-9", 20 * 60_000, "temperature", 50);
        telemetryTopic = kafka.createTopic("telemetry", 1);
        publishRules();
        job = start(Optional.empty(), Optional.empty());
        kafka.produceAll(telemetryTopic, feed.records());
        List<Map<String, Object>> expectedMinutes = awaitSettled(TELEMETRY_1M, 3 * 2 * 4);
        List<Map<String, Object>> expectedAlerts = database.query(ALERTS);
        List<Map<String, Object>> expectedAnomalies = database.query(ANOMALIES);
        job.cancel().get();
        job = null;
        assertThat(expectedAlerts).hasSizeGreaterThanOrEqualTo(4);

        freshTopicsAndTables();
        telemetryTopic = kafka.createTopic("telemetry", 1);
        publishRules();
        job = start(Optional.empty(), Optional.empty());
        kafka.produceAll(telemetryTopic, feed.recordsDeliveredTwice(16, 4_000));

        // Averages and spreads are summed in arrival order, so they may differ in the last bits of a double.
        assertThat(awaitSettled(TELEMETRY_1M, 3 * 2 * 4)).usingRecursiveComparison()
                .withComparatorForType(CLOSE, Double.class).isEqualTo(expectedMinutes);
        assertThat(database.query(ALERTS)).isEqualTo(expectedAlerts);
        assertThat(database.query(ANOMALIES)).usingRecursiveComparison()
                .withComparatorForType(CLOSE, Double.class).isEqualTo(expectedAnomalies);
    }

    private static final Comparator<Double> CLOSE = (a, b) ->
            Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)) ? 0 : Double.compare(a, b);

    /**
     * Runs the job on three minutes of the plant and waits until the minutes of {@code writtenDevices} are written;
     * returns the {@code database_refused} dead letters among the first {@code deadLetters} on the topic.
     */
    private List<DeadLetter> refusedPlantMinutes(int deadLetters, String... writtenDevices) throws Exception {
        publishRules();
        job = start(Optional.empty(), Optional.empty());
        kafka.produceAll(telemetryTopic, plantMinutes(0, 3).reading("press-9", 20 * 60_000, "temperature", 50)
                .records());
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(database.query(
                "SELECT DISTINCT device_id FROM telemetry_1m ORDER BY 1")).extracting(row -> row.get("device_id"))
                .containsExactly((Object[]) writtenDevices));
        return kafka.read(deadLetterTopic, deadLetters, Duration.ofSeconds(30)).stream()
                .map(record -> RecordJson.readDeadLetter(record.value()))
                .filter(letter -> letter.reason().equals("database_refused")).toList();
    }

    /**
     * Errors outside classes 22 and 23 that are still about the row: PostgreSQL's 54000 (program limit exceeded: a value
     * or row too large) and 21000 (cardinality violation), raised here by a trigger for two of the devices.
     */
    @Test
    void rowsRefusedAsTooLargeOrForTheirCardinalityAreDeadLettersAndTheJobGoesOn() throws Exception {
        database.execute("""
                CREATE FUNCTION refuse_two_presses() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.device_id = 'press-2' THEN
                        PERFORM repeat('xx', 2147483647);
                    ELSIF NEW.device_id = 'press-3' THEN
                        PERFORM (SELECT v FROM (VALUES (1), (2)) AS two(v));
                    END IF;
                    RETURN NEW;
                END $$""");
        database.execute("CREATE TRIGGER refuse_two_presses BEFORE INSERT OR UPDATE ON telemetry_1m"
                + " FOR EACH ROW EXECUTE FUNCTION refuse_two_presses()");
        try {
            List<DeadLetter> refused = refusedPlantMinutes(12, "press-1");
            assertThat(refused).hasSize(12).allSatisfy(letter -> assertThat(letter.origin()).isEqualTo("telemetry_1m"));
            assertThat(refused).filteredOn(letter -> letter.key().equals("acme/press-2")).hasSize(6)
                    .allSatisfy(letter -> assertThat(letter.detail()).startsWith("54000: "));
            assertThat(refused).filteredOn(letter -> letter.key().equals("acme/press-3")).hasSize(6)
                    .allSatisfy(letter -> assertThat(letter.detail()).startsWith("21000: "));
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            database.execute("DROP TRIGGER refuse_two_presses ON telemetry_1m");
            database.execute("DROP FUNCTION refuse_two_presses()");
        }
    }

    /**
     * A database server that stops answering on an open connection (a half-open connection; here its backend process
     * is stopped) holds a writer for the socket timeout, after which it writes on a new connection.
     */
    @Test
    void aWriterWhoseDatabaseStopsAnsweringWritesOnANewConnectionAfterTheSocketTimeout() throws Exception {
        String connections = "analytics-it-" + System.nanoTime();
        publishRules();
        job = start(Optional.empty(), Optional.empty(), "ApplicationName=" + connections, 2);
        kafka.produceAll(telemetryTopic, plantMinutes(0, 2).records());
        await().atMost(Duration.ofSeconds(60)).until(() -> database.query("SELECT 1 FROM telemetry_1m").size() == 6);

        List<Object> stopped = database.query("SELECT pid FROM pg_stat_activity WHERE application_name = '"
                + connections + "' AND state = 'idle'").stream().map(row -> row.get("pid")).toList();
        assertThat(stopped).isNotEmpty();
        signal("STOP", stopped);
        try {
            kafka.produceAll(telemetryTopic, plantMinutes(2, 3).records());
            await().atMost(Duration.ofSeconds(90)).until(() -> database.query("SELECT 1 FROM telemetry_1m").size() == 12);
        } finally {
            signal("CONT", stopped);
            for (Object pid : stopped) {
                database.query("SELECT pg_terminate_backend(" + pid + ")");
            }
        }
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    }

    private static void signal(String signal, List<Object> pids) throws Exception {
        for (Object pid : pids) {
            assertThat(new ProcessBuilder("kill", "-" + signal, pid.toString()).inheritIO().start().waitFor()).isZero();
        }
    }

    /** A dead letter larger than its topic takes (an operator lowered its max.message.bytes) is cut to fit. */
    @Test
    void aDeadLetterLargerThanItsTopicTakesIsCutToFitAndTheJobGoesOn() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, deadLetterTopic),
                    List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "4096"), AlterConfigOp.OpType.SET))))
                    .all().get();
        }
        byte[] large = ("{not json" + "x".repeat(10_000)).getBytes(StandardCharsets.UTF_8);
        publishRules();
        job = start(Optional.empty(), Optional.empty());
        kafka.produceAll(telemetryTopic, new TelemetryFeed().raw("acme/press-1", large).records());
        kafka.produceAll(telemetryTopic, new TelemetryFeed().raw("acme/press-1", "{not json".getBytes(StandardCharsets.UTF_8))
                .records());

        List<DeadLetter> letters = kafka.read(deadLetterTopic, 2, Duration.ofSeconds(60)).stream()
                .map(record -> RecordJson.readDeadLetter(record.value())).toList();
        assertThat(letters).hasSize(2).allSatisfy(letter -> assertThat(letter.reason()).isEqualTo("malformed_json"));
        assertThat(letters.get(0).rawSize()).isEqualTo(large.length);
        assertThat(letters.get(0).truncated()).isTrue();
        assertThat(letters.get(1).truncated()).isFalse();
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    }

    /**
     * Issue 16, item 5: a backlog of readings waits until the rules topic, long here, is read to its end, so every
     * breach in it is judged against the rule that comes last on the topic.
     */
    @Test
    void aBacklogIsJudgedOnlyOnceTheRulesTopicIsRead() throws Exception {
        kafka.produceAll(rulesTopic, RulesTopicFiller.settingsOfOtherDevices(100_000));
        publishRules();
        TelemetryFeed backlog = plantMinutes(0, 3).reading("press-9", 20 * 60_000, "temperature", 50);
        kafka.produceAll(telemetryTopic, backlog.records());

        job = start(Optional.empty(), Optional.empty());

        awaitSettled(TELEMETRY_1M, 3 * 2 * 3);
        assertThat(database.query("SELECT device_id, opened_at FROM alerts")).extracting(row -> row.get("device_id"))
                .containsExactlyInAnyOrder("press-1", "press-1", "press-2", "press-3");
    }

    /** Three machines, two metrics, one reading a second; temperature breaches the rule twice per machine. */
    private static TelemetryFeed plantMinutes(int fromMinute, int toMinute) {
        return plantMinutes(fromMinute, toMinute, 3);
    }

    /** {@code machines} machines, two metrics, one reading a second; each breaches the rule every 150 s. */
    private static TelemetryFeed plantMinutes(int fromMinute, int toMinute, int machines) {
        TelemetryFeed feed = new TelemetryFeed();
        for (int second = fromMinute * 60; second < toMinute * 60; second++) {
            for (int machine = 1; machine <= machines; machine++) {
                int phase = (second + machine * 17) % 150;
                double temperature = phase < 40 ? 88 + machine : 70 + (second % 7) * 0.5;
                feed.reading("press-" + machine, second * 1000L,
                        Map.of("temperature", temperature, "vibration", 2 + ((second * machine) % 11) / 10.0));
            }
        }
        return feed;
    }

    /** Before the job starts: it reads the rules topic to its end before it judges any reading. */
    private void publishRules() {
        kafka.produce(rulesTopic, "acme/rule/hot", RecordJson.write(RuleBuilder.rule("hot").above(80).forSeconds(10)
                .clearAt(75).escalateAfter(15, io.plantline.model.Severity.CRITICAL).build()));
    }

    private List<Map<String, Object>> awaitSettled(String query, int rows) throws SQLException {
        await().atMost(Duration.ofSeconds(90)).until(() -> database.query(query).size() >= rows);
        // Alerts and corrections may land a moment after the last minute row: wait until nothing changes.
        List<Map<String, Object>>[] last = new List[] {List.of()};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(2)).until(() -> {
            List<Map<String, Object>> now = Stream.concat(database.query(query).stream(), database.query(ALERTS).stream()).toList();
            boolean settled = now.equals(last[0]);
            last[0] = now;
            return settled;
        });
        return database.query(query);
    }

    private JobClient start(Optional<Path> checkpoints, Optional<Path> restoreFrom) throws Exception {
        return start(checkpoints, restoreFrom, 2);
    }

    private JobClient start(Optional<Path> checkpoints, Optional<Path> restoreFrom, int parallelism) throws Exception {
        return start(checkpoints, restoreFrom, "", parallelism);
    }

    /** @param jdbcParameters added to the JDBC URL ({@code name=value&...}) */
    private JobClient start(Optional<Path> checkpoints, Optional<Path> restoreFrom, String jdbcParameters,
                            int parallelism) throws Exception {
        String jdbcUrl = jdbcParameters.isEmpty() ? database.jdbcUrl() : database.jdbcUrl() + "&" + jdbcParameters;
        JobOptions jobOptions = JobOptions.parse(new String[] {
                "--kafka-bootstrap=" + kafka.bootstrapServers(), "--jdbc-url=" + jdbcUrl,
                "--parallelism=" + parallelism, "--checkpoint-interval-ms=1000", "--idleness-ms=2000"}, Map.of());
        Configuration config = PipelineEnvironment.configuration(jobOptions);
        Checkpoints.configure(config, checkpoints, restoreFrom);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(jobOptions.parallelism());
        env.setMaxParallelism(PipelineEnvironment.MAX_PARALLELISM);
        new TelemetryAnalyticsJob(
                TelemetryAnalyticsJob.kafkaSources(kafka.bootstrapServers(), telemetryTopic, rulesTopic),
                TelemetryAnalyticsJob.postgresAndKafkaSinks(jobOptions, alertsTopic, deadLetterTopic),
                new TelemetryAnalyticsJob.Options(jobOptions, AnomalySettings.DEFAULTS)).build(env);
        return env.executeAsync(TelemetryAnalyticsJob.NAME);
    }
}
