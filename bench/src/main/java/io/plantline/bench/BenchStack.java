package io.plantline.bench;

import io.plantline.embedded.EmbeddedKafkaCluster;
import io.plantline.embedded.EmbeddedPostgresServer;
import io.plantline.pipeline.JobOptions;
import io.plantline.pipeline.PipelineEnvironment;
import io.plantline.sql.SchemaMigration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What the job benchmarks run on, in one JVM: in-process Kafka, embedded PostgreSQL with the schema, and a Flink
 * MiniCluster (one TaskManager, 4 slots, 256 MB managed memory) checkpointing under a work directory.
 */
final class BenchStack implements AutoCloseable {

    static final int PARALLELISM = 2;

    final String bootstrap;
    final String jdbcUrl;
    final MiniCluster flink;
    private final Path workDir;
    private final EmbeddedKafkaCluster kafka;
    private final EmbeddedPostgresServer postgres;

    private BenchStack(Path workDir, EmbeddedKafkaCluster kafka, EmbeddedPostgresServer postgres, MiniCluster flink) {
        this.workDir = workDir;
        this.kafka = kafka;
        this.postgres = postgres;
        this.flink = flink;
        this.bootstrap = kafka.bootstrapServers();
        this.jdbcUrl = postgres.jdbcUrl();
    }

    static BenchStack start(String name) throws Exception {
        System.setProperty("logback.configurationFile", "bench-logback.xml");
        Path workDir = Files.createTempDirectory("plantline-" + name + "-bench");
        EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(0, workDir.resolve("kafka"), 1L << 30);
        EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(0, workDir.resolve("postgres"), true);
        SchemaMigration.apply(postgres.jdbcUrl());
        Configuration config = new Configuration();
        config.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(256));
        config.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.ofMebiBytes(64));
        config.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.ofMebiBytes(64));
        config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, workDir.resolve("checkpoints").toUri().toString());
        MiniCluster flink = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(config).setNumTaskManagers(1).setNumSlotsPerTaskManager(4).build());
        flink.start();
        return new BenchStack(workDir, kafka, postgres, flink);
    }

    JobOptions options(String... extra) {
        List<String> args = new ArrayList<>(List.of("--kafka-bootstrap=" + bootstrap, "--jdbc-url=" + jdbcUrl,
                "--parallelism=" + PARALLELISM, "--idleness-ms=2000"));
        args.addAll(List.of(extra));
        return JobOptions.parse(args.toArray(String[]::new), Map.of());
    }

    /** A job's graph, built with the settings every Plantline job runs with. */
    static StreamGraph graph(String jobName, JobOptions options, Consumer<StreamExecutionEnvironment> build) {
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(PipelineEnvironment.configuration(options));
        env.setParallelism(options.parallelism());
        build.accept(env);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(jobName);
        return graph;
    }

    /** The job's retained checkpoint files: with incremental checkpoints, the SST files the latest one refers to. */
    long checkpointBytes(JobID job) throws Exception {
        Path root = workDir.resolve("checkpoints").resolve(job.toString());
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).mapToLong(path -> path.toFile().length()).sum();
        }
    }

    KafkaProducer<byte[], byte[]> producer() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // One request at a time per broker: with more, the first batch to a topic created a moment before could fail,
        // be overtaken by the next and then be refused as out of order, losing its records (seen here, 151 of 300,000).
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Fails the run unless {@code topic} holds exactly {@code expected} records: a send the producer gave up on would
     * otherwise make a backlog smaller, and a job over it faster, without a word.
     */
    void requireRecords(String topic, long expected) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetSpec> ends = new java.util.HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().forEach(partition ->
                    ends.put(new TopicPartition(topic, partition.partition()), OffsetSpec.latest()));
            long records = admin.listOffsets(ends).all().get().values().stream()
                    .mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
            if (records != expected) {
                throw new IllegalStateException("the backlog " + topic + " holds " + records + " records, not " + expected);
            }
        }
    }

    String createTopic(String prefix, int partitions) {
        String name = prefix + "-" + System.nanoTime();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
            return name;
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + name, e);
        }
    }

    long queryLong(String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    void execute(String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    @Override
    public void close() throws Exception {
        flink.close();
        kafka.close();
        postgres.close();
    }
}
