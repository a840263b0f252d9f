package io.plantline.pipeline;

import io.plantline.config.Settings;
import io.plantline.model.DeadLetter;
import io.plantline.model.Topics;
import io.plantline.pipeline.ingest.DeviceTopicSource;
import io.plantline.pipeline.ingest.DuplicateDeliveries;
import io.plantline.pipeline.oee.MachineSettings;
import io.plantline.pipeline.oee.MachineSettingsReader;
import io.plantline.pipeline.oee.MachineEventDeserializer;
import io.plantline.pipeline.oee.MachineEventRecord;
import io.plantline.pipeline.oee.MachineStateRow;
import io.plantline.pipeline.oee.MachineStatesTable;
import io.plantline.pipeline.oee.OeeMinute;
import io.plantline.pipeline.oee.OeeMinutes;
import io.plantline.pipeline.oee.OeeMinutesTable;
import io.plantline.pipeline.oee.SignOfLifeDeserializer;
import io.plantline.pipeline.oee.SplitRejectedEvents;
import io.plantline.pipeline.lifecycle.LifecycleSettings;
import io.plantline.pipeline.rules.RulesSource;
import io.plantline.pipeline.sink.DeadLetters;
import io.plantline.pipeline.sink.KafkaTopicSinks;
import io.plantline.pipeline.sink.PostgresTable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The OEE job: state changes and part counts from {@code factory.machine-events}, signs of life from
 * {@code factory.telemetry} and {@code factory.device-events} (when each device was last heard from, so a machine
 * gone offline has no known time), and each machine's ideal cycle time from the device settings on
 * {@code factory.rules} become {@code oee_1m}, and through it {@code oee_1h} and {@code oee_1d}, exactly as the OEE
 * contract defines them, with each minute's stops ({@code stops}, {@code oee_stop_minutes}); each machine's newest
 * state goes to its {@code devices} row. Sources and sinks come in
 * through the constructor.
 *
 * <p>Operator uids are part of the savepoint contract: never change one without a state migration.
 */
public final class OeeJob {

    public static final String NAME = "oee";

    /**
     * While a backlog is drained the keyed OEE operator holds the job back, and an aligned checkpoint's barrier waits
     * behind every record queued in the network buffers before it; a checkpoint still aligning after this long goes
     * unaligned and stores those records instead. Checkpoints without back-pressure stay aligned and store none.
     */
    static final Duration ALIGNED_CHECKPOINT_TIMEOUT = Duration.ofSeconds(2);

    /** Where the job reads from; signs of life are every other message of a device, reduced to device and time. */
    public record Sources(Source<MachineEventRecord, ?, ?> machineEvents, Source<MachineEventRecord, ?, ?> signsOfLife,
                          RulesSource rules) {
    }

    /** Where the job writes to. */
    public record Sinks(PostgresTable<OeeMinute> oeeMinutes, PostgresTable<MachineStateRow> machineStates,
                        Sink<DeadLetter> deadLetters) {
    }

    /**
     * The job's settings: those of every job plus {@code offlineAfter}, a device silent this long is offline
     * ({@code --offline-after-ms}, the device-lifecycle job's setting and default, 90 s; at least a minute).
     */
    public record Options(JobOptions job, Duration offlineAfter) {

        public static final String OFFLINE_AFTER = "offline-after-ms";
        public static final Set<String> NAMES = JobOptions.namesWith(Set.of(OFFLINE_AFTER));

        public static Options parse(String[] args, Map<String, String> environment) {
            Settings settings = Settings.parse(args, environment, JobOptions.ENVIRONMENT_PREFIX, NAMES);
            return new Options(JobOptions.from(settings), Duration.ofMillis(settings.number(OFFLINE_AFTER,
                    LifecycleSettings.DEFAULTS.offlineAfter().toMillis(), 60_000, Duration.ofDays(7).toMillis())));
        }

        /** With the device-lifecycle job's offline setting, so that both jobs agree on when a device is offline. */
        public static Options of(JobOptions job, LifecycleSettings lifecycle) {
            return new Options(job, lifecycle.offlineAfter());
        }
    }

    private final Sources sources;
    private final Sinks sinks;
    private final Options options;

    public OeeJob(Sources sources, Sinks sinks, Options options) {
        this.sources = sources;
        this.sinks = sinks;
        this.options = options;
    }

    /** Bad arguments throw rather than exit: submitted through Flink's REST API, main runs inside the JobManager. */
    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args, System.getenv());
        StreamExecutionEnvironment env = PipelineEnvironment.create(options.job());
        new OeeJob(kafkaSources(options.job().kafkaBootstrap(), Topics.MACHINE_EVENTS,
                List.of(Topics.TELEMETRY, Topics.DEVICE_EVENTS), Topics.RULES),
                postgresAndKafkaSinks(options.job(), Topics.DEAD_LETTER), options).build(env);
        env.execute(NAME);
    }

    /**
     * Events and signs of life resume from the committed offsets (earliest the first time); settings always from the
     * beginning.
     */
    public static Sources kafkaSources(String bootstrapServers, String machineEventsTopic, List<String> signOfLifeTopics,
                                       String rulesTopic) {
        return new Sources(
                DeviceTopicSource.builder(bootstrapServers, NAME, new MachineEventDeserializer(NAME), machineEventsTopic)
                        .build(),
                DeviceTopicSource.builder(bootstrapServers, NAME, new SignOfLifeDeserializer(NAME),
                        signOfLifeTopics.toArray(String[]::new)).build(),
                RulesSource.of(bootstrapServers, rulesTopic, Topics.jobConsumerGroup(NAME) + "-settings", false));
    }


    public static Sinks postgresAndKafkaSinks(JobOptions options, String deadLetterTopic) {
        return new Sinks(OeeMinutesTable.table(options.database()), MachineStatesTable.table(options.database()),
                new KafkaTopicSinks(options.kafkaBootstrap(), deadLetterTopic, NAME).deadLetters());
    }

    /** Adds the job's graph to {@code env}; run it with {@code env.execute} or {@code executeAsync}. */
    public void build(StreamExecutionEnvironment env) {
        env.getCheckpointConfig().enableUnalignedCheckpoints(true);
        env.getCheckpointConfig().setAlignedCheckpointTimeout(ALIGNED_CHECKPOINT_TIMEOUT);
        JobOptions job = options.job();
        WatermarkStrategy<MachineEventRecord> eventTime = WatermarkStrategy
                .<MachineEventRecord>forBoundedOutOfOrderness(job.maxOutOfOrderness())
                .withTimestampAssigner((record, kafkaTimestamp) ->
                        record.isRejected() ? Long.MIN_VALUE : record.event().ts())
                .withIdleness(job.sourceIdleness());
        SingleOutputStreamOperator<MachineEventRecord> events = env
                .fromSource(sources.machineEvents(), eventTime, "machine events").uid("machine-events-source")
                .process(new SplitRejectedEvents()).name("split rejected").uid("split-rejected-events");
        DataStream<MachineEventRecord> signsOfLife = env
                .fromSource(sources.signsOfLife(), eventTime, "signs of life").uid("signs-of-life-source");
        SingleOutputStreamOperator<MachineSettings> settings = sources.rules()
                .stream(env, "device settings", "settings-source", job.rulesWait())
                .process(new MachineSettingsReader(NAME)).name("ideal cycle times").uid("ideal-cycle-settings")
                .setParallelism(1);
        // Signs of life are not deduplicated (a repeat changes nothing): they pass the filter without state.
        SingleOutputStreamOperator<MachineEventRecord> delivered = events.union(signsOfLife)
                .keyBy(MachineEventRecord::deviceKey)
                .process(new DuplicateDeliveries<>(job.allowedLateness()), TypeInformation.of(MachineEventRecord.class))
                .name("count each delivery once").uid("duplicate-deliveries");
        SingleOutputStreamOperator<OeeMinute> minutes = DataStreamUtils
                .reinterpretAsKeyedStream(delivered, MachineEventRecord::deviceKey)
                .connect(settings.keyBy(MachineSettings::deviceKey))
                .process(new OeeMinutes(NAME, job.allowedLateness(), job.stateTtl(), options.offlineAfter()))
                .name("OEE minutes").uid("oee-minutes");
        DataStream<DeadLetter> refusedMinutes = sinks.oeeMinutes().writer(minutes, NAME, "oee-minutes-table");
        DataStream<MachineStateRow> states = delivered
                .filter(record -> record.event().isStateChange()).name("state changes").uid("state-changes")
                .map(MachineStateRow::of).name("machine states").uid("machine-states");
        DataStream<DeadLetter> refusedStates = sinks.machineStates().writer(states, NAME, "machine-states-table");
        events.getSideOutput(DeadLetters.TAG)
                .union(settings.getSideOutput(DeadLetters.TAG), minutes.getSideOutput(DeadLetters.TAG), refusedMinutes,
                        refusedStates)
                .sinkTo(sinks.deadLetters()).name("dead letters").uid("dead-letter-sink");
    }
}
