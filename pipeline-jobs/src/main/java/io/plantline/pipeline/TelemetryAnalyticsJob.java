package io.plantline.pipeline;

import io.plantline.config.Settings;
import io.plantline.model.DeadLetter;
import io.plantline.model.Topics;
import io.plantline.pipeline.aggregation.MinuteStatistics;
import io.plantline.pipeline.aggregation.TelemetryMinute;
import io.plantline.pipeline.aggregation.TelemetryMinutesTable;
import io.plantline.pipeline.aggregation.ToTelemetryMinute;
import io.plantline.pipeline.aggregation.TooLateReadings;
import io.plantline.pipeline.alerting.AlertChange;
import io.plantline.pipeline.alerting.AlertChanges;
import io.plantline.pipeline.alerting.AlertDetection;
import io.plantline.pipeline.alerting.AlertLifecycle;
import io.plantline.pipeline.alerting.AlertRow;
import io.plantline.pipeline.alerting.AlertsTable;
import io.plantline.pipeline.alerting.RuleEvaluation;
import io.plantline.pipeline.alerting.RuleEvaluator;
import io.plantline.pipeline.anomaly.AnomaliesTable;
import io.plantline.pipeline.anomaly.Anomaly;
import io.plantline.pipeline.anomaly.AnomalyDetection;
import io.plantline.pipeline.anomaly.AnomalySettings;
import io.plantline.pipeline.ingest.DeviceReading;
import io.plantline.pipeline.ingest.DeviceTopicSource;
import io.plantline.pipeline.ingest.DuplicateDeliveries;
import io.plantline.pipeline.ingest.EventTimeOrder;
import io.plantline.pipeline.ingest.SplitRejected;
import io.plantline.pipeline.ingest.TelemetryDeserializer;
import io.plantline.pipeline.ingest.TelemetryRecord;
import io.plantline.pipeline.rules.RuleChange;
import io.plantline.pipeline.rules.RulesSource;
import io.plantline.pipeline.sink.DeadLetters;
import io.plantline.pipeline.sink.KafkaTopicSinks;
import io.plantline.pipeline.sink.PostgresTable;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.util.OutputTag;

/**
 * The telemetry analytics job: readings from {@code factory.telemetry} and alert rules from {@code factory.rules}
 * become alerts (CEP over rules held as broadcast state, with a lifecycle per device and rule), anomalies (online
 * detection per device and metric) and one-minute statistics per device and metric; every record it cannot use goes to the dead-letter
 * topic with the reason. Sources and sinks come in through the constructor, so tests run this very graph.
 *
 * <p>Operator uids are part of the savepoint contract: never change one without a state migration.
 */
public final class TelemetryAnalyticsJob {

    public static final String NAME = "telemetry-analytics";
    public static final Duration BUCKET = Duration.ofMinutes(1);

    private static final OutputTag<DeviceReading> TOO_LATE = new OutputTag<>("too-late-for-minute") {
    };

    /** Where the job reads from. */
    public record Sources(Source<TelemetryRecord, ?, ?> telemetry, RulesSource rules) {
    }

    /** Where the job writes to. */
    public record Sinks(PostgresTable<TelemetryMinute> telemetryMinutes, PostgresTable<AlertRow> alerts,
                        Sink<AlertChange> alertChanges, PostgresTable<Anomaly> anomalies, Sink<DeadLetter> deadLetters) {
    }

    /** The job's settings: those of every job plus the anomaly detector's. */
    public record Options(JobOptions job, AnomalySettings anomalies) {

        public static final Set<String> NAMES = JobOptions.namesWith(
                Set.of("anomaly-warmup", "anomaly-spike-z", "anomaly-shift-threshold"));

        public static Options parse(String[] args, Map<String, String> environment) {
            Settings settings = Settings.parse(args, environment, JobOptions.ENVIRONMENT_PREFIX, NAMES);
            AnomalySettings defaults = AnomalySettings.DEFAULTS;
            return new Options(JobOptions.from(settings), new AnomalySettings(
                    (int) settings.number("anomaly-warmup", defaults.warmupReadings(), 2, 100_000),
                    settings.decimal("anomaly-spike-z", defaults.spikeZ(), 0.5, 1_000),
                    settings.decimal("anomaly-shift-threshold", defaults.shiftThreshold(), 0.5, 10_000)));
        }
    }

    private final Sources sources;
    private final Sinks sinks;
    private final Options options;

    public TelemetryAnalyticsJob(Sources sources, Sinks sinks, Options options) {
        this.sources = sources;
        this.sinks = sinks;
        this.options = options;
    }

    /** Bad arguments throw rather than exit: submitted through Flink's REST API, main runs inside the JobManager. */
    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args, System.getenv());
        StreamExecutionEnvironment env = PipelineEnvironment.create(options.job());
        new TelemetryAnalyticsJob(kafkaSources(options.job().kafkaBootstrap(), Topics.TELEMETRY, Topics.RULES),
                postgresAndKafkaSinks(options.job(), Topics.ALERTS, Topics.DEAD_LETTER), options).build(env);
        env.execute(NAME);
    }

    /** Readings resume from the committed offsets (earliest the first time); rules always from the beginning. */
    public static Sources kafkaSources(String bootstrapServers, String telemetryTopic, String rulesTopic) {
        return kafkaSources(bootstrapServers, telemetryTopic, rulesTopic, false);
    }

    /** @param stopAtLatest read only what the topics hold now and then finish, as a benchmark or a backfill does */
    public static Sources kafkaSources(String bootstrapServers, String telemetryTopic, String rulesTopic,
                                      boolean stopAtLatest) {
        KafkaSourceBuilder<TelemetryRecord> telemetry =
                DeviceTopicSource.builder(bootstrapServers, NAME, new TelemetryDeserializer(NAME), telemetryTopic);
        if (stopAtLatest) {
            telemetry.setBounded(OffsetsInitializer.latest());
        }
        return new Sources(telemetry.build(),
                RulesSource.of(bootstrapServers, rulesTopic, Topics.jobConsumerGroup(NAME) + "-rules", stopAtLatest));
    }

    public static Sinks postgresAndKafkaSinks(JobOptions options, String alertsTopic, String deadLetterTopic) {
        KafkaTopicSinks kafka = new KafkaTopicSinks(options.kafkaBootstrap(), deadLetterTopic, NAME);
        return new Sinks(TelemetryMinutesTable.table(options.database()), AlertsTable.table(options.database()),
                AlertChanges.kafkaSink(kafka, alertsTopic), AnomaliesTable.table(options.database()), kafka.deadLetters());
    }

    /** Adds the job's graph to {@code env}; run it with {@code env.execute} or {@code executeAsync}. */
    public void build(StreamExecutionEnvironment env) {
        JobOptions job = options.job();
        WatermarkStrategy<TelemetryRecord> eventTime = WatermarkStrategy
                .<TelemetryRecord>forBoundedOutOfOrderness(job.maxOutOfOrderness())
                .withTimestampAssigner((record, kafkaTimestamp) -> record.ts())
                .withIdleness(job.sourceIdleness());
        SingleOutputStreamOperator<DeviceReading> readings = env
                .fromSource(sources.telemetry(), eventTime, "telemetry").uid("telemetry-source")
                .process(new SplitRejected()).name("split rejected").uid("split-rejected");
        BroadcastStream<RuleChange> rules = sources.rules().stream(env, "rules", "rules-source", job.rulesWait())
                .broadcast(RuleEvaluator.RULES);

        // Each message once, keyed by device. Everything after runs chained to it, so a device's readings stay on one
        // subtask; alerting and anomaly detection take them in event-time order, the minute statistics as they come.
        TypeInformation<DeviceReading> type = TypeInformation.of(DeviceReading.class);
        SingleOutputStreamOperator<DeviceReading> delivered = readings.keyBy(DeviceReading::deviceKey)
                .process(new DuplicateDeliveries<>(job.allowedLateness()), type)
                .name("count each delivery once").uid("duplicate-deliveries");
        SingleOutputStreamOperator<DeviceReading> inOrder = delivered
                .transform("order by event time", type, new EventTimeOrder<>(type, job.allowedLateness())).uid("reading-time-order");

        SingleOutputStreamOperator<RuleEvaluation> evaluations = inOrder.connect(rules)
                .process(new RuleEvaluator(NAME)).name("evaluate rules").uid("rule-evaluator");
        SingleOutputStreamOperator<AlertRow> alerts = AlertDetection.alerts(evaluations, job.stateTtl());
        DataStream<DeadLetter> refusedAlerts = sinks.alerts().writer(alerts, NAME, "alerts-table");
        alerts.getSideOutput(AlertLifecycle.CHANGES).sinkTo(sinks.alertChanges()).name("alert changes").uid("alert-changes-sink");

        SingleOutputStreamOperator<TelemetryMinute> minutes = DataStreamUtils
                .reinterpretAsKeyedStream(delivered, DeviceReading::deviceKey)
                .window(TumblingEventTimeWindows.of(BUCKET))
                .allowedLateness(job.allowedLateness())
                .sideOutputLateData(TOO_LATE)
                .aggregate(new MinuteStatistics(), new ToTelemetryMinute()).name("one-minute statistics").uid("telemetry-minutes");
        DataStream<DeadLetter> refusedMinutes = sinks.telemetryMinutes().writer(minutes, NAME, "telemetry-minutes-table");
        DataStream<DeadLetter> refusedAnomalies = sinks.anomalies().writer(DataStreamUtils
                .reinterpretAsKeyedStream(inOrder, DeviceReading::deviceKey)
                .process(new AnomalyDetection(options.anomalies(), job.stateTtl())).name("detect anomalies")
                .uid("anomaly-detection"), NAME, "anomalies-table");

        DataStream<DeadLetter> tooLate = minutes.getSideOutput(TOO_LATE)
                .map(new TooLateReadings(NAME, job.allowedLateness())).name("too late").uid("too-late");
        readings.getSideOutput(DeadLetters.TAG)
                .union(evaluations.getSideOutput(DeadLetters.TAG), tooLate, refusedAlerts, refusedMinutes, refusedAnomalies)
                .sinkTo(sinks.deadLetters()).name("dead letters").uid("dead-letter-sink");
    }
}
