package io.plantline.local;

import io.plantline.concurrent.DaemonThreads;
import io.plantline.model.RulesTopicValue;
import io.plantline.model.json.RecordJson;
import io.plantline.pipeline.JobOptions;
import io.plantline.pipeline.DeviceLifecycleJob;
import io.plantline.pipeline.OeeJob;
import io.plantline.pipeline.TelemetryAnalyticsJob;
import io.plantline.pipeline.anomaly.AnomalySettings;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.plantline.api.ApiOptions;
import io.plantline.api.jobs.RetentionRisk;
import io.plantline.api.ControlApi;
import io.plantline.api.db.Database;
import io.plantline.api.mqtt.RegistryMqttAccess;
import io.plantline.api.mqtt.ServiceAccount;
import io.plantline.bridge.BridgeOptions;
import io.plantline.bridge.MqttKafkaBridge;
import io.plantline.config.Settings;
import io.plantline.embedded.EmbeddedKafkaServer;
import io.plantline.embedded.EmbeddedMqttBroker;
import io.plantline.embedded.EmbeddedPostgresServer;
import io.plantline.embedded.KafkaTopics;
import io.plantline.embedded.OrphanedPostgres;
import io.plantline.model.Topics;
import io.plantline.simulator.FaultCommands;
import io.plantline.simulator.PlantSimulator;
import io.plantline.sql.SchemaMigration;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The whole system in one JVM on embedded servers: PostgreSQL, Kafka (KRaft) with the topics of the architecture, an
 * MQTT broker, the MQTT-Kafka bridge, a Flink MiniCluster with its web UI and the plant simulator. PostgreSQL's data,
 * Kafka's log and the jobs' checkpoints are kept in the data directory, so a restart, after Ctrl-C or a crash, goes
 * on where the stack was. It prints the addresses, then refreshes one status line until Ctrl-C, which stops each
 * part before the parts it uses ({@link StackPart}). Fault commands for the simulator are read from standard input.
 */
public final class LocalStack implements AutoCloseable {

    /** What the control API would publish on {@code factory.rules} for the demo's alert rule, so the jobs apply it. */
    private static void publishRules(String bootstrapServers, List<RulesTopicValue> values) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (RulesTopicValue value : values) {
                producer.send(new ProducerRecord<>(Topics.RULES, value.key().getBytes(StandardCharsets.UTF_8),
                        RecordJson.write(value)));
            }
            producer.flush();
        }
    }

    private static final Duration STATUS_INTERVAL = Duration.ofSeconds(1);
    /** Without a terminal, a full status line is printed this often instead of one line refreshed in place. */
    private static final int PLAIN_OUTPUT_EVERY_N_SAMPLES = 10;

    private final StopSequence started = new StopSequence();
    private final PrintStream out;
    private EmbeddedPostgresServer postgres;
    private EmbeddedKafkaServer kafka;
    private EmbeddedMqttBroker broker;
    private LocalFlinkCluster flink;
    private HikariDataSource database;
    private MqttKafkaBridge bridge;
    private Admin kafkaAdmin;
    private PlantSimulator simulator;
    private int apiPort;
    /** Partitions of the inbound topics, as Kafka holds them (the configured count when they were created). */
    private int partitions;
    private int retentionWarningPercent;

    LocalStack(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        LocalStackOptions options = Settings.parseOrExit("plantline", () -> LocalStackOptions.parse(args, System.getenv()));
        PrintStream console = System.out;
        configureLogging(options.dataDir().resolve("logs"));
        System.setOut(new PrintStream(new StdoutToLog(), true, StandardCharsets.UTF_8));

        LocalStack stack = new LocalStack(console);
        Runtime.getRuntime().addShutdownHook(new Thread(stack::closeQuietly, "local-stack-shutdown"));
        try {
            stack.start(options);
        } catch (PortInUseException e) {
            System.err.println(System.lineSeparator() + "plantline: " + e.getMessage());
            System.exit(1);
        } catch (Exception e) {
            System.err.println(System.lineSeparator() + "plantline: local stack failed to start: " + rootMessage(e)
                    + System.lineSeparator() + "See " + options.dataDir().resolve("logs/local-stack.log"));
            org.slf4j.LoggerFactory.getLogger(LocalStack.class).error("start-up failed", e);
            System.exit(1);
        }
        stack.run(System.in, System.console() != null);
    }

    /**
     * Logs go to a file in the data directory (the console is the status line's). Logging is initialised
     * here, on one thread, before the servers start logging from several.
     */
    private static void configureLogging(Path logDir) {
        System.setProperty("plantline.logDir", logDir.toString());
        System.setProperty("logback.configurationFile", "local-stack-logback.xml");
        org.slf4j.LoggerFactory.getILoggerFactory();
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
    }

    void start(LocalStackOptions options) throws Exception {
        long startNanos = System.nanoTime();
        retentionWarningPercent = options.retentionWarningPercent();
        Path dataDir = Files.createDirectories(options.dataDir());
        out.println("Starting Plantline locally (data in " + dataDir + ") ...");
        // A crashed run's PostgreSQL outlives it and holds its port: stop it first, or the port check refuses to start.
        OrphanedPostgres.stopIfAny(dataDir.resolve("postgres")).ifPresent(pid -> out.println(
                "  stopped PostgreSQL (pid " + pid + ") left running by an earlier run that did not stop cleanly"));
        // All at once, before any server starts: a taken port is the commonest failure and needs no clean-up.
        for (LocalStackOptions.ServerPort port : options.ports()) {
            PortInUseException.requireFree(port.server(), port.port(), port.setting());
        }
        // The three servers do not depend on each other: start them side by side. Each registers itself
        // as it comes up, so one that started while another failed is still stopped (in StackPart's order).
        CompletableFuture<EmbeddedPostgresServer> postgresStart = CompletableFuture.supplyAsync(() -> register(
                StackPart.POSTGRESQL, timed("PostgreSQL", () -> EmbeddedPostgresServer.start(options.postgresPort(),
                        dataDir.resolve("postgres"), false))));
        CompletableFuture<EmbeddedKafkaServer> kafkaStart = CompletableFuture.supplyAsync(() -> register(
                StackPart.KAFKA, timed("Kafka", () -> EmbeddedKafkaServer.start(options.kafkaPort(),
                        kafkaLogDirectory(dataDir.resolve("kafka")),
                        // A device is told "received" once Kafka has its message: on disk, so a power cut keeps it.
                        // Every record kept for the retention, however many: a job down for days still finds what
                        // it has not read; the status line warns as its backlog nears the retention.
                        Topics.KAFKA_RETENTION, EmbeddedKafkaServer.Durability.FLUSH_EVERY_WRITE))));
        BridgeInbound bridgeInbound = new BridgeInbound();
        RegistryAccessOnceReady mqttAccess = new RegistryAccessOnceReady();
        CompletableFuture<EmbeddedMqttBroker> brokerStart = CompletableFuture.supplyAsync(() -> register(
                StackPart.MQTT_BROKER, timed("MQTT broker", () -> EmbeddedMqttBroker.start(options.mqttPort(),
                        dataDir.resolve("mqtt"), bridgeInbound, mqttAccess))));
        postgres = join(postgresStart);
        kafka = join(kafkaStart);
        broker = join(brokerStart);

        database = register(StackPart.DATABASE_POOL, dataSource(postgres.jdbcUrl()));
        int applied = SchemaMigration.apply(database);
        out.println("  schema: " + (applied == 0 ? "up to date" : applied + " migrations applied"));
        KafkaTopics.createAll(kafka.bootstrapServers(), options.partitions());
        kafkaAdmin = register(StackPart.KAFKA_ADMIN, Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers())));
        partitions = kafkaAdmin.describeTopics(List.of(Topics.TELEMETRY)).allTopicNames().get().get(Topics.TELEMETRY)
                .partitions().size();
        flink = register(StackPart.FLINK, timed("Flink MiniCluster", () -> {
            try {
                return LocalFlinkCluster.start(options.flinkUiPort(), dataDir.resolve("flink/checkpoints"),
                        dataDir.resolve("logs/local-stack.log"));
            } catch (Exception e) {
                throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
            }
        }));

        // Devices log in with their write keys; the bridge with a password made at each start, the simulator with one
        // kept in the data directory, so a simulator run by hand can use it too, for any organisation's plant.
        String bridgePassword = randomSecret(24);
        String simulatorPassword = keptSecret(dataDir.resolve("mqtt-simulator-password"), 24);
        mqttAccess.attach(new RegistryMqttAccess(register(StackPart.REGISTRY_POOL,
                new Database(postgres.jdbcUrl(), 2, Duration.ofSeconds(5))),
                List.of(ServiceAccount.bridge(bridgePassword),
                        ServiceAccount.simulator("+", simulatorPassword))));
        simulator = new PlantSimulator(options.simulator().atBroker("127.0.0.1", broker.port())
                .withMqttAccount(ServiceAccount.SIMULATOR, simulatorPassword), Clock.systemUTC());
        // The organisation is made in this machine's zone, so its shifts run by the clock on the wall.
        Instant demoEffectiveFrom = Instant.now().minus(Duration.ofHours(1));
        DemoPlant.register(database, options.simulator().orgSlug(), ZoneId.systemDefault(), simulator.machines(),
                demoEffectiveFrom);
        publishRules(kafka.bootstrapServers(), List.<RulesTopicValue>of(DemoPlant.overheatRule(options.simulator().orgSlug())));
        JobOptions jobOptions = JobOptions.parse(new String[] {
                "--kafka-bootstrap=" + kafka.bootstrapServers(), "--jdbc-url=" + postgres.jdbcUrl(),
                "--parallelism=" + Math.min(2, partitions)}, Map.of());
        // The jobs restore their state side by side, and beside the rest of the start; each says below where from.
        Map<String, CompletableFuture<LocalFlinkCluster.Restore>> resumed = new LinkedHashMap<>();
        resumed.put(TelemetryAnalyticsJob.NAME, flink.submit(TelemetryAnalyticsJob.NAME, jobOptions,
                env -> new TelemetryAnalyticsJob(
                        TelemetryAnalyticsJob.kafkaSources(kafka.bootstrapServers(), Topics.TELEMETRY, Topics.RULES),
                        TelemetryAnalyticsJob.postgresAndKafkaSinks(jobOptions, Topics.ALERTS, Topics.DEAD_LETTER),
                        new TelemetryAnalyticsJob.Options(jobOptions, AnomalySettings.DEFAULTS)).build(env)));
        resumed.put(OeeJob.NAME, flink.submit(OeeJob.NAME, jobOptions, env -> new OeeJob(
                OeeJob.kafkaSources(kafka.bootstrapServers(), Topics.MACHINE_EVENTS,
                        List.of(Topics.TELEMETRY, Topics.DEVICE_EVENTS), Topics.RULES),
                OeeJob.postgresAndKafkaSinks(jobOptions, Topics.DEAD_LETTER),
                OeeJob.Options.of(jobOptions, options.lifecycle())).build(env)));
        DeviceLifecycleJob.Options lifecycleOptions = new DeviceLifecycleJob.Options(jobOptions, options.lifecycle());
        resumed.put(DeviceLifecycleJob.NAME, flink.submit(DeviceLifecycleJob.NAME, jobOptions,
                env -> new DeviceLifecycleJob(
                        DeviceLifecycleJob.kafkaSources(kafka.bootstrapServers(), Topics.DEVICE_EVENTS,
                                List.of(Topics.TELEMETRY, Topics.MACHINE_EVENTS), Topics.COMMANDS),
                        DeviceLifecycleJob.postgresAndKafkaSinks(jobOptions, Topics.ALERTS, Topics.DEAD_LETTER),
                        lifecycleOptions).build(env)));
        // One bridge here, so a plain subscription: HiveMQ CE hands a shared subscription's QoS 1 messages out one
        // acknowledged batch at a time, which holds a bridge to a few hundred messages/s (docs/benchmarks.md).
        BridgeOptions bridgeOptions = BridgeOptions.parse(
                new String[] {"--metrics-port=" + options.bridgeMetricsPort(), "--share-group="}, Map.of())
                .connectedTo("127.0.0.1", broker.port(), kafka.bootstrapServers(), postgres.jdbcUrl())
                .withMqttAccount(ServiceAccount.BRIDGE, bridgePassword);
        bridge = register(StackPart.BRIDGE, new MqttKafkaBridge(bridgeOptions, Clock.systemUTC()));
        bridge.start();
        bridgeInbound.attach(bridge);
        // The demo organisation's admins see the MiniCluster's jobs at /jobs (savepoints too; the jobs run in this JVM,
        // so there is no jar to submit).
        LocalMail mail = register(StackPart.MAIL_CATCHER, LocalMail.start(options.smtpPort(), dataDir.resolve("mail")));
        ApiOptions apiOptions = ApiOptions.parse(new String[] {
                        "--retention-warning-percent=" + options.retentionWarningPercent()}, Map.of())
                .connectedTo(options.apiPort(), postgres.jdbcUrl(), kafka.bootstrapServers())
                .managingJobs(flink.restAddress().toString(), Optional.empty(), options.simulator().orgSlug())
                .notifyingThrough(new ApiOptions.Smtp("127.0.0.1", mail.port(),
                        "plantline@" + options.simulator().orgSlug() + ".local", Optional.empty(), Optional.empty(), false));
        ControlApi api = register(StackPart.CONTROL_API, timed("Control API",
                () -> ControlApi.start(apiOptions, Clock.systemUTC())));
        apiPort = api.port();
        ApiOptions.BootstrapAdmin admin = new ApiOptions.BootstrapAdmin(options.simulator().orgSlug(),
                "admin@" + options.simulator().orgSlug() + ".local", adminPassword(options));
        api.ensureAdmin(admin);
        // The devices' settings go to the jobs from here, with the calendar they follow.
        api.ensurePlanning(options.simulator().orgSlug(), DemoPlant.calendar(), demoEffectiveFrom, DemoPlant.catalogue(),
                admin.email());
        resumed.forEach((name, restore) -> out.println("  job " + name + ": " + join(restore).describe()));
        simulator.start();
        register(StackPart.SIMULATOR, simulator);

        out.println();
        out.printf("Plantline local stack is up in %.1f s%n", (System.nanoTime() - startNanos) / 1e9);
        out.println("  MQTT broker      " + broker.uri() + " (a device logs in as <org>/<device>, also its client id,"
                + " with its write key; the simulator as " + ServiceAccount.SIMULATOR + " with " + dataDir.resolve("mqtt-simulator-password") + ")");
        out.println("  Kafka bootstrap  " + kafka.bootstrapServers());
        out.println("  PostgreSQL       " + postgres.jdbcUrl());
        out.println("  Flink web UI     " + flink.restAddress());
        out.println("  Bridge           MQTT " + Topics.MQTT_DEVICE_FILTER + " -> Kafka, metrics at http://127.0.0.1:"
                + bridge.httpPort() + "/metrics");
        out.println("  Control API      http://127.0.0.1:" + apiPort + "/api/v1 (OpenAPI at /api/v1/openapi.json,"
                + " live alerts at ws://127.0.0.1:" + apiPort + ControlApi.WEBSOCKET_PATH + ")");
        out.println("  Console          http://127.0.0.1:" + apiPort + "/ (log in with the login below)");
        out.println("  Login            " + admin.email() + " / " + admin.password());
        out.println("  Mail             SMTP 127.0.0.1:" + mail.port() + " catches the notifications; each is saved in "
                + mail.directory() + " (duty@" + options.simulator().orgSlug() + ".local gets the demo plant's alerts)");
        out.printf("  Simulator        %d machines of '%s' on %d lines, a reading per machine every %d ms%n",
                options.simulator().machines(), options.simulator().orgSlug(), options.simulator().groups(),
                options.simulator().telemetryInterval().toMillis());
        out.println("  Log              " + options.dataDir().resolve("logs/local-stack.log"));
        out.println("Fault commands for the simulator: type 'help'. Ctrl-C stops everything.");
        out.println();
    }

    /** Refreshes the status line and runs the fault commands typed on {@code input} until the JVM stops. */
    void run(InputStream input, boolean terminal) throws IOException {
        StatusSampler sampler = statusSampler();
        ScheduledExecutorService status =
                Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("status-line"));
        register(StackPart.STATUS_LINE, status::shutdownNow);
        StatusSnapshot[] previous = {sampler.sample()};
        long[] samples = {0};
        status.scheduleAtFixedRate(() -> {
            StatusSnapshot current = sampler.sample();
            String line = StatusLine.format(previous[0], current);
            previous[0] = current;
            if (terminal) {
                out.print("\r" + line + "\u001b[K");
                out.flush();
            } else if (++samples[0] % PLAIN_OUTPUT_EVERY_N_SAMPLES == 0) {
                out.println(line);
            }
        }, STATUS_INTERVAL.toMillis(), STATUS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);

        FaultCommands commands = new FaultCommands(simulator);
        BufferedReader lines = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            String answer = commands.run(line);
            if (!answer.isEmpty()) {
                out.println((terminal ? "\r\u001b[K" : "") + answer);
            }
        }
        // No more input (started in the background): keep running until the JVM is stopped.
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The first admin's password: the one given, else the one kept in the data directory, else a new one kept
     * there, so the login printed at every start stays the one PostgreSQL holds.
     */
    private static String adminPassword(LocalStackOptions options) {
        return options.adminPassword().orElseGet(() -> keptSecret(options.dataDir().resolve("admin-password"), 12));
    }

    private static String randomSecret(int randomBytes) {
        byte[] random = new byte[randomBytes];
        new java.security.SecureRandom().nextBytes(random);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /**
     * A random secret made at the first start and kept in {@code file}, readable by its owner only, so it stays the same
     * across restarts.
     */
    private static String keptSecret(Path file, int randomBytes) {
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).trim();
            }
            String secret = randomSecret(randomBytes);
            Files.writeString(file, secret, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            return secret;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot keep a secret in " + file, e);
        }
    }

    int apiPort() {
        return apiPort;
    }

    /** A fault command as typed at the console, for tests. */
    String faultCommand(String line) {
        return new FaultCommands(simulator).run(line);
    }

    StatusSampler statusSampler() {
        return new StatusSampler(broker, kafkaAdmin, partitions, database, flink, simulator,
                new RetentionRisk(kafkaAdmin, retentionWarningPercent), Clock.systemUTC());
    }

    String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    String jdbcUrl() {
        return postgres.jdbcUrl();
    }

    void execute(String sql) throws java.sql.SQLException {
        try (java.sql.Connection connection = database.getConnection();
             java.sql.Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** Stops every part that started, each before the parts it uses ({@link StackPart}). */
    @Override
    public void close() throws Exception {
        started.close();
    }

    private void closeQuietly() {
        out.println(System.lineSeparator() + "Stopping Plantline ...");
        try {
            close();
            out.println("Stopped.");
        } catch (Exception e) {
            out.println("Stopped, with errors: " + rootMessage(e));
        }
    }

    private <T extends AutoCloseable> T register(StackPart part, T closeable) {
        return started.add(part, closeable);
    }

    private <T> T timed(String what, java.util.function.Supplier<T> start) {
        long begin = System.nanoTime();
        T result = start.get();
        out.printf("  %s started in %.1f s%n", what, (System.nanoTime() - begin) / 1e9);
        return result;
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
        }
    }

    private static HikariDataSource dataSource(String jdbcUrl) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(4);
        config.setPoolName("local-stack");
        return new HikariDataSource(config);
    }

    /**
     * Kafka's log directory. Versions before this one emptied it at every start and laid it out differently; a
     * directory without the log's {@code meta.properties} holds nothing kept, and is emptied once.
     */
    private static Path kafkaLogDirectory(Path directory) {
        try {
            if (Files.isDirectory(directory) && !Files.exists(directory.resolve("meta.properties"))) {
                try (var paths = Files.walk(directory)) {
                    paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            }
            return Files.createDirectories(directory);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == error ? String.valueOf(error.getMessage()) : error.getMessage() + " (" + root + ")";
    }
}
