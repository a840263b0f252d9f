package io.plantline.pipeline;

import io.plantline.config.Settings;
import io.plantline.model.DeadLetter;
import io.plantline.model.Topics;
import io.plantline.pipeline.alerting.AlertChange;
import io.plantline.pipeline.alerting.AlertChanges;
import io.plantline.pipeline.alerting.AlertRow;
import io.plantline.pipeline.alerting.AlertsTable;
import io.plantline.pipeline.ingest.DeviceTopicSource;
import io.plantline.pipeline.ingest.DuplicateDeliveries;
import io.plantline.pipeline.lifecycle.CommandInputs;
import io.plantline.pipeline.lifecycle.DeviceLifecycle;
import io.plantline.pipeline.lifecycle.DeviceMessageInputs;
import io.plantline.pipeline.lifecycle.DeviceStatusRow;
import io.plantline.pipeline.lifecycle.FirmwareRow;
import io.plantline.pipeline.lifecycle.LifecycleInput;
import io.plantline.pipeline.lifecycle.LifecycleSettings;
import io.plantline.pipeline.lifecycle.LifecycleTables;
import io.plantline.pipeline.lifecycle.LifecycleWatermarks;
import io.plantline.pipeline.lifecycle.OtaTargetEvents;
import io.plantline.pipeline.lifecycle.TargetRow;
import io.plantline.pipeline.sink.DeadLetters;
import io.plantline.pipeline.sink.KafkaTopicSinks;
import io.plantline.pipeline.sink.PostgresTable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The device-lifecycle job: online / offline per device from every device message (with DEVICE_OFFLINE alerts),
 * the firmware each runs from its heartbeats, and the state machine of every firmware update from the update
 * commands and the devices' OTA reports, with a deadline per step ({@link DeviceLifecycle}). Writes
 * {@code ota_targets}, the job's columns of {@code devices}, {@code alerts}, and on {@code factory.alerts} the
 * offline alerts' changes and every update step (for live progress).
 *
 * <p>Operator uids are part of the savepoint contract: never change one without a state migration.
 */
public final class DeviceLifecycleJob {

    public static final String NAME = "device-lifecycle";

    /** Where the job reads from: device events (heartbeats, OTA), sign-of-life topics, and update commands. */
    public record Sources(Source<LifecycleInput, ?, ?> deviceEvents, Source<LifecycleInput, ?, ?> signsOfLife,
                          Source<LifecycleInput, ?, ?> commands) {
    }

    /** Where the job writes to. */
    public record Sinks(PostgresTable<TargetRow> targets, Sink<TargetRow> targetEvents,
                        PostgresTable<DeviceStatusRow> statuses, PostgresTable<FirmwareRow> firmware,
                        PostgresTable<AlertRow> alerts, Sink<AlertChange> alertChanges, Sink<DeadLetter> deadLetters) {
    }

    /** The job's settings: those of every job plus the lifecycle's. */
    public record Options(JobOptions job, LifecycleSettings lifecycle) {

        public static final Set<String> NAMES = JobOptions.namesWith(LifecycleSettings.NAMES);

        public static Options parse(String[] args, Map<String, String> environment) {
            Settings settings = Settings.parse(args, environment, JobOptions.ENVIRONMENT_PREFIX, NAMES);
            return new Options(JobOptions.from(settings), LifecycleSettings.from(settings));
        }
    }

    private final Sources sources;
    private final Sinks sinks;
    private final Options options;

    public DeviceLifecycleJob(Sources sources, Sinks sinks, Options options) {
        this.sources = sources;
        this.sinks = sinks;
        this.options = options;
    }

    /** Bad arguments throw rather than exit: submitted through Flink's REST API, main runs inside the JobManager. */
    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args, System.getenv());
        StreamExecutionEnvironment env = PipelineEnvironment.create(options.job());
        new DeviceLifecycleJob(kafkaSources(options.job().kafkaBootstrap(), Topics.DEVICE_EVENTS,
                List.of(Topics.TELEMETRY, Topics.MACHINE_EVENTS), Topics.COMMANDS),
                postgresAndKafkaSinks(options.job(), Topics.ALERTS, Topics.DEAD_LETTER), options).build(env);
        env.execute(NAME);
    }

    /** All three resume from the committed offsets (earliest the first time). */
    public static Sources kafkaSources(String bootstrapServers, String deviceEventsTopic, List<String> signOfLifeTopics,
                                       String commandsTopic) {
        return new Sources(source(bootstrapServers, new DeviceMessageInputs(NAME), deviceEventsTopic),
                source(bootstrapServers, new DeviceMessageInputs(NAME), signOfLifeTopics.toArray(String[]::new)),
                source(bootstrapServers, new CommandInputs(NAME), commandsTopic));
    }

    private static KafkaSource<LifecycleInput> source(String bootstrapServers,
                                                      KafkaRecordDeserializationSchema<LifecycleInput> deserializer,
                                                      String... topics) {
        return DeviceTopicSource.builder(bootstrapServers, NAME, deserializer, topics).build();
    }

    public static Sinks postgresAndKafkaSinks(JobOptions options, String alertsTopic, String deadLetterTopic) {
        KafkaTopicSinks kafka = new KafkaTopicSinks(options.kafkaBootstrap(), deadLetterTopic, NAME);
        return new Sinks(LifecycleTables.targets(options.database()), OtaTargetEvents.kafkaSink(kafka, alertsTopic),
                LifecycleTables.statuses(options.database()), LifecycleTables.firmware(options.database()),
                AlertsTable.table(options.database()), AlertChanges.kafkaSink(kafka, alertsTopic), kafka.deadLetters());
    }

    /** Adds the job's graph to {@code env}; run it with {@code env.execute} or {@code executeAsync}. */
    public void build(StreamExecutionEnvironment env) {
        LifecycleWatermarks watermarks = new LifecycleWatermarks(options.job().maxOutOfOrderness(),
                options.job().sourceIdleness(), options.lifecycle().wallClockAfter());
        DataStream<LifecycleInput> inputs = env
                .fromSource(sources.deviceEvents(), watermarks.strategy(), "device events").uid("device-events-source")
                .union(env.fromSource(sources.signsOfLife(), watermarks.strategy(), "signs of life").uid("signs-of-life-source"),
                        env.fromSource(sources.commands(), watermarks.strategy(), "update commands").uid("commands-source"));
        KeySelector<LifecycleInput, String> byDevice = input -> input.isRejected() ? "" : input.deviceKey();
        SingleOutputStreamOperator<LifecycleInput> delivered = inputs.keyBy(byDevice)
                .process(new DuplicateDeliveries<>(options.job().allowedLateness()), TypeInformation.of(LifecycleInput.class))
                .name("count each report once").uid("duplicate-deliveries");
        SingleOutputStreamOperator<TargetRow> targets = DataStreamUtils.reinterpretAsKeyedStream(delivered, byDevice)
                .process(new DeviceLifecycle(NAME, options.lifecycle(), options.job().stateTtl()))
                .name("device lifecycle").uid("device-lifecycle");
        DataStream<DeadLetter> refusedTargets = sinks.targets().writer(targets, NAME, "ota-targets-table");
        targets.sinkTo(sinks.targetEvents()).name("ota target events").uid("ota-target-events-sink");
        DataStream<DeadLetter> refusedStatuses = sinks.statuses()
                .writer(targets.getSideOutput(DeviceLifecycle.STATUS), NAME, "device-status-table");
        DataStream<DeadLetter> refusedFirmware = sinks.firmware()
                .writer(targets.getSideOutput(DeviceLifecycle.FIRMWARE), NAME, "device-firmware-table");
        DataStream<DeadLetter> refusedAlerts = sinks.alerts()
                .writer(targets.getSideOutput(DeviceLifecycle.ALERTS), NAME, "offline-alerts-table");
        targets.getSideOutput(DeviceLifecycle.ALERT_CHANGES).sinkTo(sinks.alertChanges())
                .name("offline alert changes").uid("offline-alert-changes-sink");
        targets.getSideOutput(DeadLetters.TAG)
                .union(refusedTargets, refusedStatuses, refusedFirmware, refusedAlerts)
                .sinkTo(sinks.deadLetters()).name("dead letters").uid("dead-letter-sink");
    }
}
