package io.plantline.cluster;

import io.plantline.embedded.FreePorts;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Cluster mode on one machine, every component compose runs an OS process of its own, started from the same files
 * compose starts them from: ZooKeeper; three KRaft brokers (compose's {@code kafka-N} environment); PostgreSQL; a
 * JobManager and TaskManagers reading {@code flink-conf/config.yaml}; with {@link Options#plantline}, Mosquitto with
 * dynamic security ({@code mosquitto/mosquitto.conf}), the control APIs and the bridges (each with its compose
 * service's environment); the jobs submitted by {@code docker/submit-jobs.sh}. Only addresses, ports, folders and
 * memory differ from compose. ClusterIT, {@code bench/cluster-faults.sh} and {@code cluster-tests/process-cluster.sh}
 * start it; each component can be killed with {@code kill -9} and started again.
 */
public final class ProcessCluster implements AutoCloseable {

    /** Where the cluster keeps its files, what to start, and the jobs' settings beyond compose's. */
    public record Options(Path root, Path workDir, Path flinkLib, Path jobJar, int taskManagers, boolean plantline,
                          int apis, int bridges, Map<String, String> jobSettings) {

        /** From a checkout where {@code ./mvnw package} has built flink-standalone and pipeline-jobs. */
        public static Options of(Path root, Path workDir, boolean plantline) {
            return new Options(root, workDir, root.resolve("flink-standalone/target/lib"),
                    root.resolve("pipeline-jobs/target/pipeline-jobs-0.1.0-SNAPSHOT-job.jar"), 2, plantline, 2, 2,
                    Map.of("PLANTLINE_PARALLELISM", "1", "PLANTLINE_CHECKPOINT_INTERVAL_MS", "2000"));
        }
    }

    /**
     * Compose's secrets for this cluster: made up here, as an operator puts them in {@code .env}. The database password
     * holds the characters that broke JDBC URLs, since it must only ever travel as a login property.
     */
    public static final Map<String, String> SECRETS = Map.of(
            "PLANTLINE_JWT_SECRET", "process-cluster-jwt-secret-of-at-least-32-bytes!",
            "PLANTLINE_ADMIN_PASSWORD", "process cluster admin",
            "PLANTLINE_DB_PASSWORD", "p&ss#w%rd:1",
            "PLANTLINE_GRAFANA_DB_PASSWORD", "grafana-password",
            "PLANTLINE_MQTT_ADMIN_PASSWORD", "mosquitto-admin-password",
            "PLANTLINE_MQTT_BRIDGE_PASSWORD", "mosquitto-bridge-password");
    public static final String ORG = "plant";
    public static final String ADMIN_EMAIL = "admin@" + ORG + ".local";
    public static final String SIMULATOR_PASSWORD = "mosquitto-simulator-password";
    /** Generous: on two cores shared with builds (load average 40), a Kafka broker's JVM took over two minutes to listen. */
    private static final Duration UP_WITHIN = Duration.ofSeconds(300);

    private final Options options;
    private final ComposeFile compose;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<Service> apis = new ArrayList<>();
    private final List<Service> bridges = new ArrayList<>();
    private ZooKeeperProcess zooKeeper;
    private KafkaBrokers kafka;
    private PostgresProcess postgres;
    private StandaloneFlinkCluster flink;
    private MosquittoProcess mosquitto;
    private SubmitJobsScript submitJobs;

    /** A program of the project as a process: its log, its HTTP port, how to start it again. */
    public static final class Service {
        private final String name;
        private final Path log;
        private final int port;
        private final String mainClass;
        private final Map<String, String> environment;
        private Process process;

        private Service(String name, Path log, int port, String mainClass, Map<String, String> environment) {
            this.name = name;
            this.log = log;
            this.port = port;
            this.mainClass = mainClass;
            this.environment = environment;
        }

        public String name() {
            return name;
        }

        public int port() {
            return port;
        }

        public Process process() {
            return process;
        }

        void start() throws IOException {
            process = JavaProcess.start(log, List.of("-Xmx256m"), mainClass, List.of(), environment);
        }
    }

    private ProcessCluster(Options options) {
        this.options = options;
        this.compose = new ComposeFile(options.root());
    }

    /**
     * Starts the cluster and submits the jobs; {@code database} is the PostgreSQL to use (JDBC URL, user, password),
     * or null for a PostgreSQL process of the cluster's own.
     */
    public static ProcessCluster start(Options options, JdbcLogin database) throws Exception {
        ProcessCluster cluster = new ProcessCluster(options);
        try {
            cluster.startAll(database);
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** A database's JDBC URL and login, as compose's {@code *_JDBC_URL}, {@code *_JDBC_USER}, {@code *_JDBC_PASSWORD}. */
    public record JdbcLogin(String url, String user, String password) {
    }

    private void startAll(JdbcLogin given) throws Exception {
        Path work = Files.createDirectories(options.workDir());
        // One component after the other: JVMs starting together on a small machine each take much longer.
        zooKeeper = track(ZooKeeperProcess.start(work));
        flink = track(StandaloneFlinkCluster.startHighlyAvailable(options.flinkLib(), compose.flinkConfigurationFile(),
                work, zooKeeper.quorum(), options.taskManagers()));
        kafka = track(KafkaBrokers.start(compose, work));
        awaitKafka();
        JdbcLogin database = given;
        if (database == null) {
            postgres = track(PostgresProcess.start(work, FreePorts.pick(), SECRETS.get("PLANTLINE_DB_PASSWORD")));
            database = new JdbcLogin(postgres.jdbcUrl(), PostgresProcess.USER, SECRETS.get("PLANTLINE_DB_PASSWORD"));
        }
        kafka.createTopics(4);
        if (options.plantline()) {
            mosquitto = track(MosquittoProcess.start(compose.mosquittoConfigurationFile(), work.resolve("mosquitto"),
                    FreePorts.pick(), SECRETS.get("PLANTLINE_MQTT_ADMIN_PASSWORD")));
            for (int i = 1; i <= options.apis(); i++) {
                Service api = api(i, database);
                api.start();
                apis.add(api);
                // One at a time: the first applies the schema and creates the admin, the others find them.
                awaitUp(api, "/api/v1/health", body -> body.contains("\"database\":\"up\""));
            }
            for (int i = 1; i <= options.bridges(); i++) {
                Service bridge = bridge(i, database, MosquittoProcess.overrunsReceiveMaximum());
                bridge.start();
                bridges.add(bridge);
            }
            for (Service bridge : bridges) {
                awaitUp(bridge, "/health", body -> body.contains("\"UP\""));
            }
        }
        Map<String, String> jobSettings = new LinkedHashMap<>(Map.of("PLANTLINE_KAFKA_BOOTSTRAP", kafka.bootstrapServers(),
                "PLANTLINE_JDBC_URL", database.url(), "PLANTLINE_JDBC_USER", database.user(),
                "PLANTLINE_JDBC_PASSWORD", database.password()));
        jobSettings.putAll(options.jobSettings());
        submitJobs = new SubmitJobsScript(compose, flink.restUrl(), options.flinkLib(), options.jobJar(), SECRETS,
                jobSettings, work);
        if (options.plantline()) {
            submitJobs.run("first");
        }
    }

    private Service api(int index, JdbcLogin database) {
        int port = FreePorts.pick();
        Map<String, String> environment = new LinkedHashMap<>(compose.environment("control-api", SECRETS));
        environment.putAll(Map.of("PLANTLINE_API_PORT", Integer.toString(port),
                "PLANTLINE_API_JDBC_URL", database.url(), "PLANTLINE_API_JDBC_USER", database.user(),
                "PLANTLINE_API_JDBC_PASSWORD", database.password(),
                "PLANTLINE_API_KAFKA_BOOTSTRAP", kafka.bootstrapServers(),
                "PLANTLINE_API_FLINK_REST_URL", flink.restUrl(),
                "PLANTLINE_API_JOB_JAR", options.jobJar().toString(),
                "PLANTLINE_API_MOSQUITTO_HOST", "127.0.0.1",
                "PLANTLINE_API_MOSQUITTO_PORT", Integer.toString(mosquitto.port())));
        // The plant simulator's MQTT account, which compose has no simulator for.
        environment.put("PLANTLINE_API_MQTT_SIMULATOR_PASSWORD", SIMULATOR_PASSWORD);
        return new Service("control-api-" + index, options.workDir().resolve("control-api-" + index + ".out"), port,
                "io.plantline.api.ApiMain", environment);
    }

    private Service bridge(int index, JdbcLogin database, boolean overrunsReceiveMaximum) {
        int port = FreePorts.pick();
        Map<String, String> environment = new LinkedHashMap<>(compose.environment("bridge-" + index, SECRETS));
        environment.putAll(Map.of("PLANTLINE_BRIDGE_MQTT_HOST", "127.0.0.1",
                "PLANTLINE_BRIDGE_MQTT_PORT", Integer.toString(mosquitto.port()),
                "PLANTLINE_BRIDGE_KAFKA_BOOTSTRAP", kafka.bootstrapServers(),
                "PLANTLINE_BRIDGE_JDBC_URL", database.url(), "PLANTLINE_BRIDGE_JDBC_USER", database.user(),
                "PLANTLINE_BRIDGE_JDBC_PASSWORD", database.password(),
                "PLANTLINE_BRIDGE_METRICS_PORT", Integer.toString(port)));
        if (overrunsReceiveMaximum) {
            // Compose runs Mosquitto 2.0.22; with this machine's 2.0.11, a window larger than any backlog of a run
            // (a bridge down for minutes) keeps the bridge from being overrun (docs/benchmarks.md).
            environment.put("PLANTLINE_BRIDGE_MAX_IN_FLIGHT", "65535");
            environment.put("PLANTLINE_BRIDGE_MAX_IN_FLIGHT_BYTES", Long.toString(1L << 34));
        }
        return new Service("bridge-" + index, options.workDir().resolve("bridge-" + index + ".out"), port,
                "io.plantline.bridge.BridgeMain", environment);
    }

    /**
     * The plant simulator in a process of its own, logging every message the broker acknowledged to {@code ackLog};
     * fault commands ({@code breach 3 60}) go to {@link #command}.
     */
    public Process startSimulator(int machines, int intervalMs, Path ackLog) throws IOException {
        return JavaProcess.start(options.workDir().resolve("simulator.out"), List.of("-Xmx256m"),
                "io.plantline.simulator.SimulatorMain", List.of("--mqtt-host=127.0.0.1", "--mqtt-port=" + mosquitto.port(),
                        "--org=" + ORG, "--machines=" + machines, "--groups=2", "--interval-ms=" + intervalMs,
                        "--ack-log=" + ackLog, "--mqtt-password=" + SIMULATOR_PASSWORD), Map.of());
    }

    /** Writes a fault command to the simulator's standard input. */
    public static void command(Process simulator, String command) throws IOException {
        OutputStream input = simulator.getOutputStream();
        input.write((command + "\n").getBytes(StandardCharsets.UTF_8));
        input.flush();
    }

    private void awaitKafka() throws Exception {
        long deadline = System.nanoTime() + UP_WITHIN.toNanos();
        while (true) {
            try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
                    org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                if (admin.describeCluster().nodes().get(10, java.util.concurrent.TimeUnit.SECONDS).size() == 3) {
                    return;
                }
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException notYet) {
                // brokers still starting
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("three Kafka brokers not up within " + UP_WITHIN);
            }
            Thread.sleep(500);
        }
    }

    /** Waits until {@code service} answers {@code path} with a body {@code up} accepts. */
    public void awaitUp(Service service, String path, Predicate<String> up) throws Exception {
        long deadline = System.nanoTime() + UP_WITHIN.toNanos();
        while (true) {
            try {
                if (up.test(get(service, path))) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!service.process.isAlive()) {
                throw new IllegalStateException(service.name + " exited; see " + service.log);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(service.name + " not up within " + UP_WITHIN + "; see " + service.log);
            }
            Thread.sleep(250);
        }
    }

    /** The body {@code service} answers to GET {@code path}, with {@code headers} (name, value, ...). */
    public String get(Service service, String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port + path))
                .timeout(Duration.ofSeconds(5));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body();
    }

    /** kill -9 of a bridge or control API. */
    public void kill(Service service) throws InterruptedException {
        JavaProcess.kill(service.process);
    }

    /** Starts a killed bridge or control API again, as compose's {@code restart: unless-stopped} does. */
    public void restart(Service service) throws IOException {
        service.start();
    }

    public List<Service> apis() {
        return apis;
    }

    public List<Service> bridges() {
        return bridges;
    }

    public KafkaBrokers kafka() {
        return kafka;
    }

    public StandaloneFlinkCluster flink() {
        return flink;
    }

    public PostgresProcess postgres() {
        return postgres;
    }

    public MosquittoProcess mosquitto() {
        return mosquitto;
    }

    public SubmitJobsScript submitJobs() {
        return submitJobs;
    }

    public ComposeFile compose() {
        return compose;
    }

    private <T extends AutoCloseable> T track(T component) {
        started.add(component);
        return component;
    }

    /** Stops everything, the programs first, then the servers in the reverse order of their start. */
    @Override
    public void close() throws Exception {
        for (Service service : bridges) {
            JavaProcess.stop(service.process, 10);
        }
        for (Service service : apis) {
            JavaProcess.stop(service.process, 10);
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }
}
