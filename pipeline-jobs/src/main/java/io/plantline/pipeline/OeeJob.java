package io.plantline.pipeline;

import io.plantline.model.DeadLetter;
import io.plantline.model.Topics;
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
import io.plantline.pipeline.oee.SplitRejectedEvents;
import io.plantline.pipeline.rules.RuleChange;
import io.plantline.pipeline.rules.RulesSource;
import io.plantline.pipeline.sink.DeadLetters;
import io.plantline.pipeline.sink.KafkaTopicSinks;
import io.plantline.pipeline.sink.PostgresTable;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The OEE job: state changes and part counts from {@code factory.machine-events} and each machine's ideal cycle
 * time from the device settings on {@code factory.rules} become {@code oee_1m}, and through it {@code oee_1h} and
 * {@code oee_1d}, exactly as the OEE contract defines them; each machine's newest state goes to its {@code devices}
 * row. Sources and sinks come in through the constructor.
 *
 * <p>Operator uids are part of the savepoint contract: never change one without a state migration.
 */
public final class OeeJob {

    public static final String NAME = "oee";

    /** Where the job reads from. */
    public record Sources(Source<MachineEventRecord, ?, ?> machineEvents, RulesSource rules) {
    }

    /** Where the job writes to. */
    public record Sinks(PostgresTable<OeeMinute> oeeMinutes, PostgresTable<MachineStateRow> machineStates,
                        Sink<DeadLetter> deadLetters) {
    }

    private final Sources sources;
    private final Sinks sinks;
    private final JobOptions options;

    public OeeJob(Sources sources, Sinks sinks, JobOptions options) {
        this.sources = sources;
        this.sinks = sinks;
        this.options = options;
    }

    /** Bad arguments throw rather than exit: submitted through Flink's REST API, main runs inside the JobManager. */
    public static void main(String[] args) throws Exception {
        JobOptions options = JobOptions.parse(args, System.getenv());
        StreamExecutionEnvironment env = PipelineEnvironment.create(options);
        new OeeJob(kafkaSources(options.kafkaBootstrap(), Topics.MACHINE_EVENTS, Topics.RULES),
                postgresAndKafkaSinks(options, Topics.DEAD_LETTER), options).build(env);
        env.execute(NAME);
    }

    /** Events resume from the committed offsets (earliest the first time); settings always from the beginning. */
    public static Sources kafkaSources(String bootstrapServers, String machineEventsTopic, String rulesTopic) {
        return new Sources(
                KafkaSource.<MachineEventRecord>builder()
                        .setBootstrapServers(bootstrapServers)
                        .setTopics(machineEventsTopic)
                        .setGroupId(Topics.jobConsumerGroup(NAME))
                        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                        .setDeserializer(new MachineEventDeserializer(NAME))
                        .build(),
                RulesSource.of(bootstrapServers, rulesTopic, Topics.jobConsumerGroup(NAME) + "-settings", false));
    }

    public static Sinks postgresAndKafkaSinks(JobOptions options, String deadLetterTopic) {
        return new Sinks(OeeMinutesTable.table(options.database()), MachineStatesTable.table(options.database()),
                new KafkaTopicSinks(options.kafkaBootstrap(), deadLetterTopic, NAME).deadLetters());
    }

    /** Adds the job's graph to {@code env}; run it with {@code env.execute} or {@code executeAsync}. */
    public void build(StreamExecutionEnvironment env) {
        WatermarkStrategy<MachineEventRecord> eventTime = WatermarkStrategy
                .<MachineEventRecord>forBoundedOutOfOrderness(options.maxOutOfOrderness())
                .withTimestampAssigner((record, kafkaTimestamp) ->
                        record.isRejected() ? Long.MIN_VALUE : record.event().ts())
                .withIdleness(options.sourceIdleness());
        SingleOutputStreamOperator<MachineEventRecord> events = env
                .fromSource(sources.machineEvents(), eventTime, "machine events").uid("machine-events-source")
                .process(new SplitRejectedEvents()).name("split rejected").uid("split-rejected-events");
        SingleOutputStreamOperator<MachineSettings> settings = sources.rules()
                .stream(env, "device settings", "settings-source", options.rulesWait())
                .process(new MachineSettingsReader(NAME)).name("ideal cycle times").uid("ideal-cycle-settings")
                .setParallelism(1);
        SingleOutputStreamOperator<MachineEventRecord> delivered = events.keyBy(MachineEventRecord::deviceKey)
                .process(new DuplicateDeliveries<>(options.allowedLateness()), TypeInformation.of(MachineEventRecord.class))
                .name("count each delivery once").uid("duplicate-deliveries");
        SingleOutputStreamOperator<OeeMinute> minutes = DataStreamUtils
                .reinterpretAsKeyedStream(delivered, MachineEventRecord::deviceKey)
                .connect(settings.keyBy(MachineSettings::deviceKey))
                .process(new OeeMinutes(NAME, options.allowedLateness(), options.stateTtl()))
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
