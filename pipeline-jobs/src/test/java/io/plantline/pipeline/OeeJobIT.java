package io.plantline.pipeline;

import static io.plantline.model.MachineState.DOWN;
import static io.plantline.model.MachineState.IDLE;
import static io.plantline.model.MachineState.PLANNED_STOP;
import static io.plantline.model.MachineState.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceRef;
import io.plantline.model.DeviceSettings;
import io.plantline.model.Heartbeat;
import io.plantline.model.IdealCycleSchedule;
import io.plantline.model.MachineState;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.RecordJson;
import io.plantline.model.shifts.CalendarSchedule;
import io.plantline.model.shifts.Shift;
import io.plantline.model.shifts.ShiftBreak;
import io.plantline.model.shifts.ShiftCalendar;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The OEE job on a MiniCluster, from in-process Kafka to PostgreSQL, against hand-computed minutes. */
@ExtendWith({KafkaExtension.class, PostgresExtension.class})
class OeeJobIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestCluster.extension();

    private static final long T0 = TelemetryFeed.T0;
    private final TestKafka kafka;
    private final TestDatabase database;
    private JobClient job;

    OeeJobIT(TestKafka kafka, TestDatabase database) {
        this.kafka = kafka;
        this.database = database;
        SchemaMigration.apply(database.jdbcUrl());
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        database.execute("TRUNCATE oee_1m, oee_1h, oee_1d, stops, oee_stop_minutes");
    }

    @AfterEach
    void cancelJob() throws Exception {
        if (job != null) {
            job.cancel().get();
        }
    }

    @Test
    void minutesRollUpsLateCorrectionsAndDeadLettersFollowTheContract() throws Exception {
        Topics topics = Topics.fresh(kafka);
        String events = topics.events();
        kafka.produce(topics.rules(), "acme/device/press-1", RecordJson.write(DeviceSettings.of("acme", "press-1",
                Optional.of(2.0), Instant.ofEpochMilli(T0), Map.of())));
        job = start(topics, Optional.empty(), Optional.empty());

        kafka.produceAll(topics.telemetry(), readingsEvery(30_000, 30_000, 300_000).records());   // heard from
        kafka.produceAll(events, new MachineFeed()
                .state("press-1", 0, RUNNING)
                .count("press-1", 30_000, 10, 9)
                .state("press-1", 90_000, IDLE)
                .state("press-1", 120_000, RUNNING)
                .count("press-1", 150_000, 40, 38)
                .state("press-1", 240_000, PLANNED_STOP)
                .raw("acme/press-1", ("{\"org\":\"acme\",\"device\":\"press-1\",\"kind\":\"count\",\"ts\":\""
                        + Instant.ofEpochMilli(T0 + 200_000) + "\",\"receivedAt\":\"" + Instant.ofEpochMilli(T0)
                        + "\",\"total\":1,\"good\":2}").getBytes(StandardCharsets.UTF_8))
                .state("press-9", 305_000, RUNNING)     // event time reaches 5:00: minutes 0 to 4 are written
                .records());

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(minutes()).hasSize(5));
        List<Map<String, Object>> minutes = minutes();
        assertMinute(minutes.get(0), 60_000, 60_000, 10, 9, 1.0, 20_000.0 / 60_000, 0.9, 0.3);
        assertMinute(minutes.get(1), 60_000, 30_000, 0, 0, 0.5, 0.0, null, 0.0);
        assertMinute(minutes.get(2), 60_000, 60_000, 40, 38, 1.0, 80_000.0 / 60_000, 0.95, 76_000.0 / 60_000);
        assertThat(minutes.get(2)).containsEntry("performance_above_1", true);
        assertMinute(minutes.get(3), 60_000, 60_000, 0, 0, 1.0, 0.0, null, 0.0);
        assertMinute(minutes.get(4), 0, 0, 0, 0, null, null, null, null);
        assertThat(database.query("SELECT planned_ms, run_ms, total_count, good_count, ideal_ms, oee FROM oee_1h"
                + " WHERE device_id = 'press-1'")).containsExactly(Map.of("planned_ms", 240_000L, "run_ms", 210_000L,
                "total_count", 50L, "good_count", 47L, "ideal_ms", 100_000.0, "oee", 94_000.0 / 240_000));

        // 55 s late, within the allowed 2 minutes: minute 4 and its hour are rewritten.
        kafka.produceAll(events, new MachineFeed().count("press-1", 250_000, 5, 5).records());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(database.query(
                "SELECT total_count FROM oee_1h WHERE device_id = 'press-1'")).containsExactly(Map.of("total_count", 55L)));
        assertThat(minutes().get(4)).containsEntry("total_count", 5L);

        // Event time reaches 10:00; then a count for minute 1 is too late.
        kafka.produceAll(events, new MachineFeed().state("press-9", 600_000, RUNNING).records());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(minutes()).hasSize(9));
        kafka.produceAll(events, new MachineFeed().count("press-1", 70_000, 3, 3).records());

        assertThat(kafka.read(topics.deadLetters(), 2, Duration.ofSeconds(30)))
                .extracting(record -> RecordJson.readDeadLetter(record.value()))
                .extracting(DeadLetter::reason).containsExactly("invalid_count", "too_late");
        assertThat(minutes().get(1)).containsEntry("total_count", 0L);
        assertThat(database.query("""
                SELECT sum(m.planned_ms) = h.planned_ms AND sum(m.total_count) = h.total_count AS sums_match
                FROM oee_1m m JOIN oee_1h h ON h.device_id = m.device_id
                 AND m.bucket_start >= h.bucket_start AND m.bucket_start < h.bucket_start + interval '1 hour'
                GROUP BY h.device_id, h.bucket_start, h.planned_ms, h.total_count""")).allSatisfy(row ->
                assertThat(row).containsEntry("sums_match", true));
    }

    @Test
    void aBreakInTheMachinesCalendarIsNoPlannedTimeAndItsRunningIsStoredAsOvertime() throws Exception {
        Topics topics = Topics.fresh(kafka);
        ShiftCalendar earlyWithBreak = new ShiftCalendar(List.of(new Shift("Early",
                EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), LocalTime.of(8, 0), LocalTime.of(9, 0),
                List.of(new ShiftBreak(LocalTime.of(8, 1), LocalTime.of(8, 3))))), Set.of());
        CalendarSchedule calendar = CalendarSchedule.of(List.of(
                new CalendarSchedule.Period(Instant.ofEpochMilli(T0), ZoneOffset.UTC, Optional.of(earlyWithBreak))));
        kafka.produce(topics.rules(), "acme/device/press-1", RecordJson.write(new DeviceSettings("acme", "press-1",
                IdealCycleSchedule.EMPTY, calendar, Map.of())));
        job = start(topics, Optional.empty(), Optional.empty());

        kafka.produceAll(topics.telemetry(), readingsEvery(30_000, 30_000, 300_000).records());   // heard from
        kafka.produceAll(topics.events(), new MachineFeed()
                .state("press-1", 0, RUNNING)
                .state("press-1", 200_000, DOWN)
                .state("press-9", 305_000, RUNNING)     // event time reaches 5:00: minutes 0 to 4 are written
                .records());

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(minutes()).hasSize(5));
        assertThat(minutes()).extracting(row -> row.get("scheduled"), row -> row.get("planned_ms"), row -> row.get("run_ms"),
                row -> row.get("unscheduled_run_ms"), row -> row.get("down_ms"), row -> row.get("known_ms")).containsExactly(
                tuple(true, 60_000L, 60_000L, 0L, 0L, 60_000L),
                tuple(false, 0L, 0L, 60_000L, 0L, 60_000L),
                tuple(false, 0L, 0L, 60_000L, 0L, 60_000L),
                tuple(true, 60_000L, 20_000L, 0L, 40_000L, 60_000L),
                tuple(true, 60_000L, 0L, 0L, 60_000L, 60_000L));
        assertThat(database.query("SELECT planned_ms, run_ms FROM oee_1h WHERE device_id = 'press-1'"))
                .containsExactly(Map.of("planned_ms", 180_000L, "run_ms", 80_000L));
    }

    /**
     * A running machine kept known by its telemetry and heartbeats alone, then unplugged: from the time it was last
     * heard from until its next state, its minutes have no known time (they did run on for a week before).
     */
    @Test
    void aRunningMachineUnpluggedHasNoKnownTimeFromWhenItWasLastHeardUntilItsNextState() throws Exception {
        Topics topics = Topics.fresh(kafka);
        job = start(topics, Optional.empty(), Optional.empty());

        kafka.produceAll(topics.telemetry(), readingsEvery(40_000, 40_000, 120_000).records());
        kafka.produceAll(topics.deviceEvents(), List.of(Map.entry("acme/press-1", heartbeat("press-1", 130_000))));
        kafka.produceAll(topics.events(), new MachineFeed()
                .state("press-1", 0, RUNNING)           // heard at 0, 40, 80 and 130 s, then unplugged
                .count("press-1", 250_000, 1, 1)        // heard again after 120 s: offline from 130 s
                .state("press-1", 270_000, IDLE)
                .state("press-9", 305_000, RUNNING)     // event time reaches 5:00
                .records());

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(minutes()).hasSize(5));
        assertThat(minutes()).extracting(row -> row.get("known_ms"), row -> row.get("run_ms"), row -> row.get("idle_ms"))
                .containsExactly(tuple(60_000L, 60_000L, 0L), tuple(60_000L, 60_000L, 0L), tuple(10_000L, 10_000L, 0L),
                        tuple(0L, 0L, 0L), tuple(30_000L, 0L, 30_000L));
    }

    @Test
    void aDayWithADaylightSavingChangeHas23HoursInTheOrganisationsTimeZone() throws SQLException {
        database.execute("INSERT INTO organisations (slug, name, time_zone) VALUES ('berlin', 'Berlin', 'Europe/Berlin')"
                + " ON CONFLICT (slug) DO UPDATE SET time_zone = 'Europe/Berlin'");
        // Local 2026-03-29 runs from 2026-03-28T23:00Z to 2026-03-29T22:00Z: 23 hours.
        database.execute("""
                DO $$ BEGIN
                  FOR i IN 0..(25 * 60 - 1) LOOP
                    CALL upsert_oee_minute('berlin', 'press-1', '2026-03-28T22:00:00Z'::timestamptz + i * interval '1 minute',
                        60000, 60000, 1, 1, 1000, 1000, 1000, 1, 1000.0 / 60000, 1, 1000.0 / 60000, false);
                  END LOOP;
                END $$""");

        List<Map<String, Object>> days = database.query(
                "SELECT bucket_start, planned_ms FROM oee_1d WHERE org_slug = 'berlin' ORDER BY bucket_start");
        assertThat(days).hasSize(3);
        assertThat(((Timestamp) days.get(1).get("bucket_start")).toInstant()).isEqualTo(Instant.parse("2026-03-28T23:00:00Z"));
        assertThat(days.get(1)).containsEntry("planned_ms", 23 * 3_600_000L);
    }

    @Test
    void randomStreamsRollUpExactlyAndRestartsAndUpgradesWriteWhatOneUninterruptedRunWrites(
            @TempDir Path checkpoints, @TempDir Path savepoints) throws Exception {
        MachineFeed firstHalf = randomMachines(0, 4);
        MachineFeed secondHalf = randomMachines(4, 8).state("press-9", 20 * 60_000, RUNNING);

        // The uninterrupted run.
        Topics topics = Topics.fresh(kafka);
        publishSettings(topics);
        job = start(topics, Optional.empty(), Optional.empty());
        kafka.produceAll(topics.events(), firstHalf.records());
        kafka.produceAll(topics.events(), secondHalf.records());
        Map<String, List<Map<String, Object>>> expected = awaitSettledTables(3 * 19);
        job.cancel().get();
        job = null;

        // Every hour and day holds the sums of its minutes, and OEE = A x P x Q wherever all three are defined.
        assertThat(database.query(ROLL_UP_MATCHES_MINUTES.formatted("oee_1h", "1 hour"))).isNotEmpty()
                .allSatisfy(row -> assertThat(row).containsEntry("matches", true));
        assertThat(database.query(ROLL_UP_MATCHES_MINUTES.formatted("oee_1d", "1 day"))).isNotEmpty()
                .allSatisfy(row -> assertThat(row).containsEntry("matches", true));
        assertThat(database.query("SELECT abs(oee - availability * performance * quality) <= 1e-9 AS holds"
                + " FROM oee_1m WHERE availability IS NOT NULL AND performance IS NOT NULL AND quality IS NOT NULL"))
                .isNotEmpty().allSatisfy(row -> assertThat(row).containsEntry("holds", true));
        assertStopMinutesSumToIdleAndDown();
        assertThat(expected.get("stops")).isNotEmpty();

        // The same input, with the job stopped mid-stream and restored from its last checkpoint.
        topics = startAfresh(checkpoints, firstHalf);
        Path checkpoint = Checkpoints.cancelAndTakeLatest(job, checkpoints);
        kafka.produceAll(topics.events(), secondHalf.records());
        job = start(topics, Optional.of(checkpoints), Optional.of(checkpoint));
        assertThat(awaitSettledTables(3 * 19)).isEqualTo(expected);
        job.cancel().get();

        // An upgrade: stopped with a savepoint, then the next version of the graph (an operator added, parallelism
        // raised, every existing uid kept) restores it without dropping any state.
        topics = startAfresh(checkpoints, firstHalf);
        String savepoint = job.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL).get();
        kafka.produceAll(topics.events(), secondHalf.records());
        job = start(topics, Optional.empty(), Optional.of(Path.of(URI.create(savepoint))), true);
        assertThat(awaitSettledTables(3 * 19)).isEqualTo(expected);
    }

    /**
     * Issue 16, item 5: a backlog of machine events waits until the settings topic, long here, is read to its end, so
     * every minute has the ideal cycle time that comes last on the topic.
     */
    @Test
    void aBacklogIsWrittenOnlyOnceTheSettingsAreRead() throws Exception {
        Topics topics = Topics.fresh(kafka);
        kafka.produceAll(topics.rules(), RulesTopicFiller.settingsOfOtherDevices(100_000));
        publishSettings(topics);
        kafka.produceAll(topics.events(), randomMachines(0, 4).state("press-9", 20 * 60_000, RUNNING).records());

        job = start(topics, Optional.empty(), Optional.empty());

        awaitSettledTables(3 * 19);
        assertThat(database.query("SELECT count(*) AS unknown FROM oee_1m WHERE ideal_cycle_ms IS NULL"
                + " AND device_id <> 'press-9' AND total_count > 0")).containsExactly(Map.of("unknown", 0L));
    }

    /** Issue 16, item 12: a row the database refuses is a dead letter; every other row is written and the job goes on. */
    @Test
    void aRowTheDatabaseRefusesIsADeadLetterAndTheJobGoesOn() throws Exception {
        database.execute("ALTER TABLE oee_1m ADD CONSTRAINT refuse_press_2 CHECK (device_id <> 'press-2')");
        try {
            Topics topics = Topics.fresh(kafka);
            publishSettings(topics);
            job = start(topics, Optional.empty(), Optional.empty());
            kafka.produceAll(topics.events(), randomMachines(0, 4).state("press-9", 20 * 60_000, RUNNING).records());

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(database.query(
                    "SELECT DISTINCT device_id FROM oee_1m ORDER BY 1")).extracting(row -> row.get("device_id"))
                    .containsExactly("press-1", "press-3"));
            assertThat(kafka.read(topics.deadLetters(), 1, Duration.ofSeconds(30)))
                    .extracting(record -> RecordJson.readDeadLetter(record.value()))
                    .isNotEmpty().allSatisfy(letter -> {
                        assertThat(letter.reason()).isEqualTo("database_refused");
                        assertThat(letter.key()).isEqualTo("acme/press-2");
                    });
            assertThat(database.query("SELECT count(*) AS hours FROM oee_1h WHERE device_id = 'press-2'"))
                    .containsExactly(Map.of("hours", 0L));
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            database.execute("ALTER TABLE oee_1m DROP CONSTRAINT refuse_press_2");
        }
    }

    /** Issue 16, item 4: part counts are increments, so a redelivered count must count once. */
    @Test
    void everyEventDeliveredTwiceInRandomOrderWritesWhatOneDeliveryWrites() throws Exception {
        MachineFeed feed = randomMachines(0, 8).state("press-9", 20 * 60_000, RUNNING);
        Topics topics = Topics.fresh(kafka);
        publishSettings(topics);
        job = start(topics, Optional.empty(), Optional.empty());
        kafka.produceAll(topics.events(), feed.records());
        Map<String, List<Map<String, Object>>> expected = awaitSettledTables(3 * 19);
        job.cancel().get();
        job = null;

        database.execute("TRUNCATE oee_1m, oee_1h, oee_1d, stops, oee_stop_minutes");
        topics = Topics.fresh(kafka);
        publishSettings(topics);
        job = start(topics, Optional.empty(), Optional.empty());
        kafka.produceAll(topics.events(), feed.recordsDeliveredTwice(16, 4_000));

        assertThat(awaitSettledTables(3 * 19)).isEqualTo(expected);
    }

    /** Issue 21: a machine's devices row holds its newest state, whatever the order and number of deliveries. */
    @Test
    void eachMachinesRowHoldsItsNewestStateWhateverTheOrderOfDelivery() throws Exception {
        database.execute("INSERT INTO organisations (slug, name) VALUES ('acme', 'Acme') ON CONFLICT DO NOTHING");
        database.execute("INSERT INTO devices (org_slug, device_id) VALUES ('acme', 'press-1'), ('acme', 'press-2')"
                + " ON CONFLICT (org_slug, device_id) DO UPDATE SET machine_state = NULL, machine_state_since = NULL");
        Topics topics = Topics.fresh(kafka);
        publishSettings(topics);
        job = start(topics, Optional.empty(), Optional.empty());

        kafka.produceAll(topics.events(), new MachineFeed()
                .state("press-1", 0, RUNNING)
                .state("press-1", 90_000, IDLE)
                .state("press-2", 30_000, DOWN)
                .state("press-1", 60_000, DOWN)          // older than IDLE, delivered after it
                .state("press-2", 10_000, PLANNED_STOP)
                .state("press-3", 40_000, RUNNING)       // no devices row: nothing to write, nothing refused
                .recordsDeliveredTwice(21, 60_000));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(database.query(
                "SELECT device_id, machine_state, machine_state_since FROM devices WHERE org_slug = 'acme'"
                        + " AND device_id IN ('press-1', 'press-2') ORDER BY device_id")).containsExactly(
                Map.of("device_id", "press-1", "machine_state", "IDLE",
                        "machine_state_since", Timestamp.from(Instant.ofEpochMilli(T0 + 90_000))),
                Map.of("device_id", "press-2", "machine_state", "DOWN",
                        "machine_state_since", Timestamp.from(Instant.ofEpochMilli(T0 + 30_000)))));
        assertThat(database.query("SELECT 1 FROM devices WHERE org_slug = 'acme' AND device_id = 'press-3'")).isEmpty();
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    }

    /**
     * Stops on a MiniCluster: a repeated state and reason continues a stop, another reason starts one, going offline
     * ends one when last heard; every minute's stop time sums to its idle and down time; a late state that moves a
     * stop's start replaces the stop.
     */
    @Test
    void stopsAndEachMinutesStopTimeAreWrittenWithTheirMinutes() throws Exception {
        Topics topics = Topics.fresh(kafka);
        job = start(topics, Optional.empty(), Optional.empty());

        kafka.produceAll(topics.telemetry(), readingsEvery(20_000, 20_000, 140_000).records());   // then unplugged
        kafka.produceAll(topics.events(), new MachineFeed()
                .state("press-1", 0, RUNNING)
                .state("press-1", 30_000, DOWN, "jam")
                .state("press-1", 50_000, DOWN, "jam")        // continues the stop
                .state("press-1", 70_000, IDLE, "material")   // ends it, starts another
                .state("press-9", 150_000, RUNNING)           // event time reaches 2:25: minutes 0 and 1 are written
                .records());
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(stops()).extracting(
                row -> row.get("started_at"), row -> row.get("state"), row -> row.get("device_reason"),
                row -> row.get("ended_at")).containsExactly(
                tuple(at(30_000), "DOWN", "jam", at(70_000)), tuple(at(70_000), "IDLE", "material", null)));

        kafka.produceAll(topics.events(), new MachineFeed()
                .state("press-1", 20_000, DOWN, "jam")        // late, within the allowed lateness: the jam began here
                .state("press-9", 305_000, RUNNING)           // event time reaches 5:00: offline from 120 s
                .records());

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(stops()).extracting(
                row -> row.get("started_at"), row -> row.get("state"), row -> row.get("device_reason"),
                row -> row.get("ended_at")).containsExactly(
                tuple(at(20_000), "DOWN", "jam", at(70_000)), tuple(at(70_000), "IDLE", "material", at(120_000))));
        assertThat(database.query("SELECT bucket_start, stop_started_at, ms FROM oee_stop_minutes"
                + " WHERE device_id = 'press-1' ORDER BY 1, 2")).extracting(
                row -> row.get("bucket_start"), row -> row.get("stop_started_at"), row -> row.get("ms")).containsExactly(
                tuple(at(0), at(20_000), 40_000L), tuple(at(60_000), at(20_000), 10_000L),
                tuple(at(60_000), at(70_000), 50_000L));
        assertStopMinutesSumToIdleAndDown();
    }

    private List<Map<String, Object>> stops() throws SQLException {
        return database.query("SELECT started_at, state, device_reason, ended_at FROM stops"
                + " WHERE device_id = 'press-1' ORDER BY started_at");
    }

    private static Timestamp at(long offsetMillis) {
        return Timestamp.from(Instant.ofEpochMilli(T0 + offsetMillis));
    }

    private void assertStopMinutesSumToIdleAndDown() throws SQLException {
        assertThat(database.query("""
                SELECT m.idle_ms + m.down_ms = coalesce(sum(s.ms), 0) AS sums_match
                FROM oee_1m m LEFT JOIN oee_stop_minutes s ON s.org_slug = m.org_slug AND s.device_id = m.device_id
                 AND s.bucket_start = m.bucket_start
                GROUP BY m.org_slug, m.device_id, m.bucket_start, m.idle_ms, m.down_ms""")).isNotEmpty()
                .allSatisfy(row -> assertThat(row).containsEntry("sums_match", true));
    }

    /** Empty tables, fresh topics, a job checkpointing into {@code checkpoints} that has written its first minutes. */
    private Topics startAfresh(Path checkpoints, MachineFeed firstHalf) throws Exception {
        database.execute("TRUNCATE oee_1m, oee_1h, oee_1d, stops, oee_stop_minutes");
        Topics topics = Topics.fresh(kafka);
        publishSettings(topics);
        job = start(topics, Optional.of(checkpoints), Optional.empty());
        kafka.produceAll(topics.events(), firstHalf.records());
        await().atMost(Duration.ofSeconds(60)).until(() -> !database.query("SELECT 1 FROM oee_1m").isEmpty());
        return topics;
    }

    /** One row per roll-up bucket: whether its components equal the sums of its minutes (organisation in UTC). */
    private static final String ROLL_UP_MATCHES_MINUTES = "SELECT r.planned_ms = sum(m.planned_ms)"
            + " AND r.run_ms = sum(m.run_ms) AND r.total_count = sum(m.total_count)"
            + " AND r.good_count = sum(m.good_count) AND abs(r.ideal_ms - sum(m.ideal_ms)) < 1e-6 AS matches"
            + " FROM %s r JOIN oee_1m m ON m.org_slug = r.org_slug AND m.device_id = r.device_id"
            + " AND m.bucket_start >= r.bucket_start AND m.bucket_start < r.bucket_start + interval '%s'"
            + " GROUP BY r.org_slug, r.device_id, r.bucket_start, r.planned_ms, r.run_ms, r.total_count,"
            + " r.good_count, r.ideal_ms";

    /** Three machines changing state and counting parts at random (fixed seed), an event every few seconds. */
    private static MachineFeed randomMachines(int fromMinute, int toMinute) {
        Random random = new Random(fromMinute * 31L + 7);
        MachineFeed feed = new MachineFeed();
        for (long ts = fromMinute * 60_000L; ts < toMinute * 60_000L; ts += 1_000 + random.nextInt(6_000)) {
            String machine = "press-" + (1 + random.nextInt(3));
            if (random.nextInt(4) == 0) {
                String[] reasons = {null, "jam", "setup"};
                feed.state(machine, ts, MachineState.values()[random.nextInt(MachineState.values().length)],
                        reasons[random.nextInt(reasons.length)]);
            } else {
                long total = random.nextInt(5);
                feed.count(machine, ts, total, total == 0 ? 0 : random.nextInt((int) total + 1));
            }
        }
        return feed;
    }

    /** Before the job starts: it reads the settings to the topic's end before it writes any minute. */
    private void publishSettings(Topics topics) {
        for (int machine = 1; machine <= 3; machine++) {
            kafka.produce(topics.rules(), "acme/device/press-" + machine, RecordJson.write(DeviceSettings.of("acme",
                    "press-" + machine, Optional.of(0.5 + machine), Instant.ofEpochMilli(T0 - 60_000), Map.of())));
        }
    }

    private Map<String, List<Map<String, Object>>> awaitSettledTables(int minuteRows) throws SQLException {
        // Generous: a restored job replays its input, and a whole-build run shares the cores with other modules' tests.
        await().atMost(Duration.ofSeconds(180)).until(() -> {
            failIfTheJobFailed();
            return database.query("SELECT 1 FROM oee_1m").size() >= minuteRows;
        });
        Object[] last = {null};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(2)).until(() -> {
            Map<String, List<Map<String, Object>>> now = tables();
            boolean settled = now.equals(last[0]);
            last[0] = now;
            return settled;
        });
        return tables();
    }

    /** A failed job would only show as a timeout; this says why it failed. */
    private void failIfTheJobFailed() throws Exception {
        if (job.getJobStatus().get() == JobStatus.FAILED) {
            try {
                job.getJobExecutionResult().get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new AssertionError("the job failed", e.getCause());
            }
        }
    }

    /** The three OEE tables and the two of stops, without the write time. */
    private Map<String, List<Map<String, Object>>> tables() throws SQLException {
        Map<String, List<Map<String, Object>>> tables = new TreeMap<>();
        for (String table : List.of("oee_1m", "oee_1h", "oee_1d", "stops", "oee_stop_minutes")) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Map<String, Object> row : database.query("SELECT * FROM " + table + " ORDER BY 1, 2, 3, 4")) {
                Map<String, Object> withoutWriteTime = new LinkedHashMap<>(row);
                withoutWriteTime.remove("updated_at");
                rows.add(withoutWriteTime);
            }
            tables.put(table, rows);
        }
        return tables;
    }

    /** A fresh set of topics, so two runs of a test never share offsets or records. */
    private record Topics(String events, String telemetry, String deviceEvents, String rules, String deadLetters) {
        static Topics fresh(TestKafka kafka) {
            return new Topics(kafka.createTopic("machine-events", 1), kafka.createTopic("telemetry", 1),
                    kafka.createTopic("device-events", 1), kafka.createTopic("rules", 1),
                    kafka.createTopic("dead-letter", 1));
        }
    }

    /** Readings of press-1 every {@code stepMs} from {@code fromMs} to before {@code toMs}: signs of life. */
    private static TelemetryFeed readingsEvery(long stepMs, long fromMs, long toMs) {
        TelemetryFeed feed = new TelemetryFeed();
        for (long offset = fromMs; offset < toMs; offset += stepMs) {
            feed.reading("press-1", offset, "spindle_rpm", 1_200);
        }
        return feed;
    }

    private static byte[] heartbeat(String deviceId, long offsetMillis) {
        Instant ts = Instant.ofEpochMilli(T0 + offsetMillis);
        return DeviceMessageCodec.withDefaults().encode(new Heartbeat(new DeviceRef("acme", deviceId), ts, ts,
                Optional.empty()));
    }

    private List<Map<String, Object>> minutes() throws SQLException {
        return database.query("SELECT * FROM oee_1m WHERE device_id = 'press-1' ORDER BY bucket_start");
    }

    private static void assertMinute(Map<String, Object> row, long planned, long run, long total, long good,
                                     Double availability, Double performance, Double quality, Double oee) {
        assertThat(row).containsEntry("planned_ms", planned).containsEntry("run_ms", run)
                .containsEntry("total_count", total).containsEntry("good_count", good);
        assertRatio(row.get("availability"), availability);
        assertRatio(row.get("performance"), performance);
        assertRatio(row.get("quality"), quality);
        assertRatio(row.get("oee"), oee);
    }

    private static void assertRatio(Object actual, Double expected) {
        if (expected == null) {
            assertThat(actual).isNull();
        } else {
            assertThat((Double) actual).isCloseTo(expected, within(1e-12));
        }
    }

    private JobClient start(Topics topics, Optional<Path> checkpoints, Optional<Path> restoreFrom) throws Exception {
        return start(topics, checkpoints, restoreFrom, false);
    }

    /** {@code upgraded}: the graph of a next version, with an operator more and a higher parallelism. */
    private JobClient start(Topics topics, Optional<Path> checkpoints, Optional<Path> restoreFrom, boolean upgraded)
            throws Exception {
        OeeJob.Options options = OeeJob.Options.parse(new String[] {
                "--kafka-bootstrap=" + kafka.bootstrapServers(), "--jdbc-url=" + database.jdbcUrl(),
                "--parallelism=" + (upgraded ? 3 : 2), "--checkpoint-interval-ms=1000", "--idleness-ms=2000"}, Map.of());
        Configuration config = PipelineEnvironment.configuration(options.job());
        Checkpoints.configure(config, checkpoints, restoreFrom);
        // An operator of the savepoint missing from the new graph would fail the restore rather than lose its state.
        config.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(options.job().parallelism());
        new OeeJob(OeeJob.kafkaSources(kafka.bootstrapServers(), topics.events(),
                List.of(topics.telemetry(), topics.deviceEvents()), topics.rules()), OeeJob.postgresAndKafkaSinks(options.job(), topics.deadLetters()), options).build(env);
        if (upgraded) {
            env.fromData("added in the next version").uid("upgrade-added-source").name("added in the next version")
                    .sinkTo(new DiscardingSink<>()).uid("upgrade-added-sink");
        }
        return env.executeAsync(OeeJob.NAME);
    }
}
