package io.plantline.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.plantline.api.ApiOptions;
import io.plantline.api.jobs.JobRoutes;
import io.plantline.bridge.BridgeOptions;
import io.plantline.config.JdbcAddress;
import io.plantline.config.Settings;
import io.plantline.model.Topics;
import io.plantline.pipeline.JobOptions;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * No Docker engine runs where the tests run, so the compose file is checked against the code and the images'
 * documented behaviour instead: it parses, its services and ports are the documented ones, every PLANTLINE_*
 * variable is a setting the process knows, the topics are the architecture's, the Flink settings each container
 * really starts with (after the image's entrypoint rewrote some) are the ones the jobs expect, Kafka's addresses
 * work from containers and from the host, long-running services restart and report health, and every SQL query of
 * the Grafana dashboard runs against the real schema.
 */
@ExtendWith(PostgresExtension.class)
class ComposeFileIT {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Reporter factories Flink 2.2's distribution ships as plugins (flink-dist's plugins.xml), and where. */
    private static final Map<String, String> FLINK_DISTRIBUTION_PLUGINS = Map.of(
            "org.apache.flink.metrics.prometheus.PrometheusReporterFactory", "plugins/metrics-prometheus");

    private final JsonNode compose = read(ROOT.resolve("docker-compose.yml"));
    private final JsonNode services = compose.get("services");

    @Test
    void servicesPortsAndStartOrder() {
        assertThat(names(services)).containsExactlyInAnyOrder("kafka-1", "kafka-2", "kafka-3", "kafka-topics", "postgres", "mosquitto-init", "mosquitto",
                "grafana-db-user",
                "flink-data-owner", "zookeeper", "jobmanager", "jobmanager-standby", "taskmanager", "control-api", "bridge-1", "bridge-2", "submit-jobs",
                "grafana");
        Map<String, String> published = Map.ofEntries(Map.entry("kafka-1", "127.0.0.1:9092:9092"),
                Map.entry("kafka-2", "127.0.0.1:9094:9094"), Map.entry("kafka-3", "127.0.0.1:9095:9095"),
                Map.entry("postgres", "127.0.0.1:5432:5432"),
                Map.entry("mosquitto", "1883:1883"), Map.entry("jobmanager", "127.0.0.1:8081:8081"),
                Map.entry("control-api", "8080:8080"), Map.entry("bridge-1", "127.0.0.1:9464:9464"),
                Map.entry("bridge-2", "127.0.0.1:9465:9464"), Map.entry("grafana", "3000:3000"));
        published.forEach((service, port) -> assertThat(services.get(service).get("ports").get(0).asText()).as(service).isEqualTo(port));
        for (String service : names(services)) {
            JsonNode dependsOn = services.get(service).path("depends_on");
            assertThat(names(dependsOn)).as(service + " depends on").allSatisfy(name -> assertThat(services.has(name)).isTrue());
            for (JsonNode volume : services.get(service).path("volumes")) {
                String source = volume.asText().split(":")[0];
                if (source.startsWith("./")) {
                    assertThat(ROOT.resolve(source)).as(service + " mounts").exists();
                } else {
                    assertThat(compose.get("volumes").has(source)).as(service + " volume " + source).isTrue();
                }
            }
        }
        String dockerfile = text(ROOT.resolve("docker/Dockerfile"));
        for (String service : List.of("control-api", "bridge-1", "bridge-2", "submit-jobs")) {
            String target = services.get(service).get("build").get("target").asText();
            assertThat(dockerfile).as(service).contains(" AS " + target + "\n");
        }
        assertThat(text(ROOT.resolve(".dockerignore")).lines()).as(".dockerignore").contains(".git", "**/target", ".plantline");
    }

    /** Issue 17, item 10: what runs for good restarts after a crash and says when it is healthy. */
    @Test
    void everyLongRunningServiceRestartsAndHasAHealthcheck() {
        for (String service : names(services)) {
            JsonNode definition = services.get(service);
            if (definition.path("restart").asText().equals("no")) {
                continue;       // one-shot
            }
            assertThat(definition.path("restart").asText()).as(service + " restart").isEqualTo("unless-stopped");
            assertThat(definition.path("healthcheck").path("test").isArray()).as(service + " healthcheck").isTrue();
        }
    }

    /**
     * Issue 18, item 10: what runs arbitrary code (Flink's REST port takes any jar) or holds the data (PostgreSQL,
     * Kafka) and the bridges' metrics listen on the host's loopback only; devices, users and dashboards reach MQTT, the
     * API and Grafana. No secret has a default: compose refuses to start without each.
     */
    @Test
    void administrativePortsListenOnLoopbackAndNoSecretHasADefault() {
        for (String service : List.of("kafka-1", "kafka-2", "kafka-3", "postgres", "jobmanager", "bridge-1", "bridge-2")) {
            assertThat(services.get(service).get("ports")).as(service)
                    .allSatisfy(port -> assertThat(port.asText()).startsWith("127.0.0.1:"));
        }
        String file = text(ROOT.resolve("docker-compose.yml"));
        assertThat(file).doesNotContainPattern("\\$\\{[A-Z_]*(PASSWORD|SECRET)[A-Z_]*:-");
        assertThat(services.at("/postgres/environment/POSTGRES_PASSWORD").asText()).startsWith("${PLANTLINE_DB_PASSWORD:?");
    }

    /**
     * Issue 18, item 1: the broker refuses anonymous clients and holds its accounts in the dynamic-security plugin,
     * whose admin the control API uses to keep devices' accounts in step with the registry; the bridges log in with a
     * password the operator must give, as the API's token secret.
     */
    @Test
    void theBrokerRefusesAnonymousClientsAndEveryServiceLogsIn() {
        List<String> broker = text(ROOT.resolve("mosquitto/mosquitto.conf")).lines().map(String::strip)
                .filter(line -> !line.startsWith("#") && !line.isEmpty()).toList();
        assertThat(broker).contains("allow_anonymous false", "per_listener_settings false",
                "plugin /usr/lib/mosquitto_dynamic_security.so",
                "plugin_opt_config_file /mosquitto/data/dynamic-security.json");
        assertThat(services.at("/mosquitto-init/entrypoint").toString()).contains("/opt/plantline/docker/mosquitto-init.sh");
        assertThat(text(ROOT.resolve("docker/mosquitto-init.sh"))).contains("data=\"${MOSQUITTO_DATA:-/mosquitto/data}\"",
                "mosquitto_ctrl dynsec init \"$data/dynamic-security.json\" admin");
        assertThat(services.at("/mosquitto/depends_on/mosquitto-init/condition").asText())
                .isEqualTo("service_completed_successfully");

        String bridgePassword = "${PLANTLINE_MQTT_BRIDGE_PASSWORD:?";
        String adminPassword = "${PLANTLINE_MQTT_ADMIN_PASSWORD:?";
        for (String bridge : List.of("bridge-1", "bridge-2")) {
            assertThat(services.at("/" + bridge + "/environment/PLANTLINE_BRIDGE_MQTT_PASSWORD").asText()).as(bridge)
                    .startsWith(bridgePassword);
        }
        JsonNode api = services.at("/control-api/environment");
        assertThat(api.path("PLANTLINE_API_MOSQUITTO_HOST").asText()).isEqualTo("mosquitto");
        assertThat(api.path("PLANTLINE_API_MQTT_BRIDGE_PASSWORD").asText()).startsWith(bridgePassword);
        assertThat(api.path("PLANTLINE_API_MOSQUITTO_ADMIN_PASSWORD").asText()).startsWith(adminPassword);
        assertThat(services.at("/mosquitto-init/environment/PLANTLINE_MQTT_ADMIN_PASSWORD").asText()).startsWith(adminPassword);
    }

    /**
     * Issue 17, item 10: several bridges in one share group, each on an MQTT client id of its own (two connections on
     * one id take the session from each other in turn).
     */
    @Test
    void eachBridgeHasAClientIdOfItsOwnInOneShareGroup() {
        List<JsonNode> bridges = names(services).stream().filter(name -> name.startsWith("bridge")).map(services::get).toList();
        assertThat(bridges).hasSizeGreaterThanOrEqualTo(2);
        assertThat(bridges.stream().map(bridge -> bridge.at("/environment/PLANTLINE_BRIDGE_CLIENT_ID").asText()))
                .doesNotHaveDuplicates().doesNotContain("");
        assertThat(bridges.stream().map(bridge -> bridge.at("/environment/PLANTLINE_BRIDGE_SHARE_GROUP").asText()).distinct())
                .containsExactly("bridge");
    }

    /**
     * Issue 17, item 10: containers reach Kafka at the address it advertises on the compose network, and programs on
     * the host at the one it advertises there, on the port compose publishes.
     */
    @Test
    void kafkaAdvertisesAnAddressForContainersAndOneForTheHost() {
        Set<String> advertised = new TreeSet<>();
        for (String broker : List.of("kafka-1", "kafka-2", "kafka-3")) {
            Map<String, String> byListener = new java.util.HashMap<>();
            for (String listener : services.at("/" + broker + "/environment/KAFKA_ADVERTISED_LISTENERS").asText().split(",")) {
                String[] parts = listener.split("://");
                byListener.put(parts[0], parts[1]);
            }
            String[] published = services.at("/" + broker + "/ports/0").asText().split(":");   // [address:]host port:container port
            assertThat(byListener).as(broker + ": a listener for the host, on the published port")
                    .containsEntry("HOST", "localhost:" + published[published.length - 2]);
            assertThat(byListener).as(broker).containsEntry("INTERNAL", broker + ":19092");
            advertised.addAll(byListener.values());
        }
        for (String service : names(services)) {
            JsonNode environment = services.get(service).path("environment");
            for (String variable : names(environment)) {
                if (variable.endsWith("KAFKA_BOOTSTRAP")) {
                    List<String> addresses = List.of(environment.get(variable).asText().split(","));
                    assertThat(advertised).as(service + " " + variable).containsAll(addresses);
                    assertThat(addresses).as(service + " " + variable + ": every broker").hasSize(3)
                            .allSatisfy(address -> assertThat(address).startsWith("kafka-"));
                }
            }
        }
        String topics = services.get("kafka-topics").get("command").get(0).asText();
        Matcher bootstrap = Pattern.compile("--bootstrap-server (\\S+)").matcher(topics);
        while (bootstrap.find()) {
            assertThat(advertised).containsAll(List.of(bootstrap.group(1).split(",")));
        }
    }

    /** Issue 29: a person reads the header before the first {@code up}; compose stops at the first secret it lacks. */
    @Test
    void theHeaderNamesEverySecretComposeRequires() {
        String file = text(ROOT.resolve("docker-compose.yml"));
        String header = file.lines().takeWhile(line -> line.startsWith("#")).reduce("", (a, b) -> a + b + "\n");
        Set<String> required = new TreeSet<>();
        Matcher variable = Pattern.compile("\\$\\{([A-Z_]+):\\?").matcher(file);
        while (variable.find()) {
            required.add(variable.group(1));
        }
        assertThat(required).hasSizeGreaterThanOrEqualTo(6)
                .allSatisfy(name -> assertThat(header).as("the header names " + name).contains(name + "="));
    }

    /**
     * Issue 29: the database password reaches the driver as a login property, never inside a JDBC URL, whose
     * parameters are URL-encoded and break on {@code &}, {@code #} and {@code %}. Each process, configured from its
     * compose environment (the server swapped for the test's), logs in with such a password. The bridges' settings
     * belong to issue 37 and follow when the bridge reads {@code jdbc-password}.
     */
    @Test
    void theDatabasePasswordIsALoginPropertyNeverPartOfAUrl(TestDatabase database) throws Exception {
        String password = "p&ss#w%rd:1";
        String login = "compose_" + database.schema();
        database.execute("CREATE ROLE " + login + " LOGIN PASSWORD '" + password + "'");
        try {
            Map<String, String> api = withTestServer(services.at("/control-api/environment"), database, login, password);
            assertLogsIn(ApiOptions.parse(new String[0], api).database(), login, password);
            Map<String, String> jobs = withTestServer(services.at("/submit-jobs/environment"), database, login, password);
            assertLogsIn(JobOptions.parse(new String[0], jobs).database(), login, password);
            // The bridge reads these three settings through the same JdbcAddress (BridgeOptions).
            Map<String, String> bridge = withTestServer(services.at("/bridge-1/environment"), database, login, password);
            assertLogsIn(JdbcAddress.from(Settings.parse(new String[0], bridge, "PLANTLINE_BRIDGE", JdbcAddress.NAMES),
                    "no URL"), login, password);
        } finally {
            database.execute("DROP ROLE " + login);
        }
    }

    /**
     * A service's compose environment as compose interpolates it, with the test's server, {@code login} and the
     * database password filled in (other secrets get a stand-in).
     */
    private static Map<String, String> withTestServer(JsonNode environment, TestDatabase database, String login,
                                                     String password) {
        String server = database.jdbcUrl().replaceAll("^jdbc:postgresql://([^?]*).*$", "$1");
        Map<String, String> filled = new java.util.TreeMap<>();
        for (String name : names(environment)) {
            String value = environment.get(name).asText()
                    .replace("${PLANTLINE_DB_PASSWORD:?set PLANTLINE_DB_PASSWORD for the database}", password)
                    .replaceAll("\\$\\{[A-Z_]+:\\?[^}]*}", "a stand-in secret of at least thirty-two bytes")
                    .replaceAll("\\$\\{[A-Z_]+:-([^}]*)}", "$1");
            filled.put(name, value.replace("postgres:5432/plantline", server).replace("user=plantline", "user=" + login));
            if (name.endsWith("_JDBC_USER")) {
                filled.put(name, login);
            }
        }
        return filled;
    }

    private static void assertLogsIn(JdbcAddress address, String login, String password) throws Exception {
        assertThat(address.url()).as("the JDBC URL").doesNotContain(password).doesNotContain("password=");
        assertThat(address.toString()).doesNotContain(password);
        try (Connection connection = DriverManager.getConnection(address.url(), address.withLogin(new Properties()));
             Statement statement = connection.createStatement();
             java.sql.ResultSet user = statement.executeQuery("SELECT current_user")) {
            user.next();
            assertThat(user.getString(1)).isEqualTo(login);
        }
    }

    /**
     * Issue 29: the runbook's security notes say what compose does: the broker refuses anonymous clients (its config
     * says so), Grafana reads through the read-only dashboards role, and every secret compose requires is named.
     */
    @Test
    void theRunbooksSecurityNotesAreWhatComposeDoes() {
        String runbook = text(ROOT.resolve("docs/operations.md"));
        String notes = runbook.substring(runbook.indexOf("## Security notes"));
        assertThat(text(ROOT.resolve("mosquitto/mosquitto.conf"))).contains("allow_anonymous false");
        assertThat(notes).doesNotContainIgnoringCase("accepts anonymous").contains("refuses anonymous");
        assertThat(notes).doesNotContain("Give Grafana a read-only").contains("plantline_dashboards");
        Matcher variable = Pattern.compile("\\$\\{([A-Z_]+):\\?").matcher(text(ROOT.resolve("docker-compose.yml")));
        while (variable.find()) {
            assertThat(notes).as("the security notes name " + variable.group(1)).contains(variable.group(1));
        }
    }

    /**
     * Issue 29: Flink's image (flink-docker's {@code docker-entrypoint.sh}) links each jar named in
     * {@code ENABLE_BUILT_IN_PLUGINS} from {@code /opt/flink/opt} and exits 1 when it is not there. Flink 2.2's
     * distribution ships the metric reporters in {@code plugins/metrics-*} (flink-dist's plugins.xml), not in
     * {@code opt/}: naming one there stops every JobManager and TaskManager, and is not needed to load it.
     */
    @Test
    void thePrometheusReporterIsTheDistributionsPluginAndNoContainerNamesItInOpt() {
        Map<String, String> config = asFlinksImageStartsIt(read(ROOT.resolve("flink-conf/config.yaml")),
                services.at("/jobmanager/environment"), "c0ffee1234ab");
        assertThat(FLINK_DISTRIBUTION_PLUGINS).containsKey(config.get("metrics.reporter.prom.factory.class"));
        for (String service : List.of("jobmanager", "taskmanager")) {
            String enabled = services.get(service).path("environment").path("ENABLE_BUILT_IN_PLUGINS").asText("");
            assertThat(enabled.split(";")).as(service + " ENABLE_BUILT_IN_PLUGINS")
                    .noneSatisfy(jar -> assertThat(jar).startsWith("flink-metrics-"));
        }
    }

    /** Issue 29: a dynamic-security file that could not be made must fail the one-shot, so the broker never starts. */
    @Test
    void mosquittoInitFailsWhenTheDynamicSecurityFileCannotBeMade(@TempDir Path data) throws Exception {
        Path failing = Files.createDirectories(data.resolve("bin")).resolve("mosquitto_ctrl");
        Files.writeString(failing, "#!/bin/sh\necho 'dynsec init failed' >&2\nexit 3\n");
        failing.toFile().setExecutable(true);
        Path volume = Files.createDirectories(data.resolve("volume"));
        assertThat(runMosquittoInit(volume, failing.getParent() + ":/usr/bin:/bin")).as("exit status with a failing init")
                .isNotZero();
        assertThat(volume.resolve("dynamic-security.json")).doesNotExist();

        assertThat(runMosquittoInit(volume, "/usr/bin:/bin")).as("exit status with Mosquitto's own mosquitto_ctrl").isZero();
        assertThat(volume.resolve("dynamic-security.json")).exists();
        assertThat(Files.getOwner(volume.resolve("dynamic-security.json")).getName()).isEqualTo("mosquitto");
        assertThat(runMosquittoInit(volume, failing.getParent() + ":/usr/bin:/bin")).as("a second start keeps the file")
                .isZero();
    }

    /** The one-shot's command as compose runs it, with the volume at {@code volume} and the repository's files. */
    private int runMosquittoInit(Path volume, String path) throws Exception {
        JsonNode init = services.get("mosquitto-init");
        List<String> command = new ArrayList<>();
        init.get("entrypoint").forEach(part -> command.add(part.asText().replace("$$", "$")
                .replace("/mosquitto/data", volume.toString()).replace("/opt/plantline/docker", ROOT.resolve("docker").toString())));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(volume.resolveSibling("mosquitto-init.out").toFile());
        builder.environment().put("PATH", path);
        builder.environment().put("PLANTLINE_MQTT_ADMIN_PASSWORD", "an admin password");
        builder.environment().put("MOSQUITTO_DATA", volume.toString());
        return builder.start().waitFor();
    }

    /**
     * Issue 29: three KRaft brokers, each a voter of one controller quorum; every topic, the internal ones too, with
     * three replicas and at least two in sync for a write, so one broker may be down or lose its disk.
     */
    @Test
    void kafkaRunsThreeBrokersAndEveryTopicHasThreeReplicasTwoInSync() {
        List<String> brokers = names(services).stream().filter(name -> name.matches("kafka-\\d")).toList();
        assertThat(brokers).containsExactly("kafka-1", "kafka-2", "kafka-3");
        Set<String> voters = new TreeSet<>();
        for (String broker : brokers) {
            JsonNode environment = services.get(broker).get("environment");
            voters.add(environment.get("KAFKA_CONTROLLER_QUORUM_VOTERS").asText());
            assertThat(environment.get("KAFKA_NODE_ID").asText()).as(broker).isEqualTo(broker.substring("kafka-".length()));
            assertThat(environment.get("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR").asText()).as(broker).isEqualTo("3");
            assertThat(environment.get("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR").asText()).as(broker).isEqualTo("3");
            assertThat(environment.get("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR").asText()).as(broker).isEqualTo("2");
            assertThat(environment.get("KAFKA_DEFAULT_REPLICATION_FACTOR").asText()).as(broker).isEqualTo("3");
            assertThat(environment.get("KAFKA_MIN_INSYNC_REPLICAS").asText()).as(broker).isEqualTo("2");
            assertThat(services.get(broker).get("volumes").get(0).asText()).as(broker).startsWith(broker + "-data:");
        }
        assertThat(voters).containsExactly("1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093");
        String topics = services.get("kafka-topics").get("command").get(0).asText();
        Matcher create = Pattern.compile("kafka-topics.sh [^\\n]*--create[^\\n]*").matcher(topics);
        int creates = 0;
        while (create.find()) {
            creates++;
            assertThat(create.group()).contains("--replication-factor 3", "--config min.insync.replicas=2");
        }
        assertThat(creates).isPositive();
    }

    @Test
    void everyPlantlineVariableIsASettingOfItsProcess() {
        assertSettings("control-api", ApiOptions.ENVIRONMENT_PREFIX, ApiOptions.NAMES);
        assertSettings("bridge-1", "PLANTLINE_BRIDGE", BridgeOptions.NAMES);
        assertSettings("bridge-2", "PLANTLINE_BRIDGE", BridgeOptions.NAMES);
        Set<String> submitter = new TreeSet<>(JobOptions.NAMES);
        submitter.add("flink-rest");
        assertSettings("submit-jobs", JobOptions.ENVIRONMENT_PREFIX, submitter);
        assertThat(services.get("control-api").get("environment").get("PLANTLINE_API_PORT").asText())
                .isEqualTo(Integer.toString(ApiOptions.parse(new String[0], Map.of()).port()));
        String submit = text(ROOT.resolve("docker/submit-jobs.sh"));
        JobRoutes.ENTRY_CLASSES.forEach((name, entryClass) -> assertThat(submit).contains(name + ":" + entryClass));
    }

    @Test
    void theTopicsAreTheArchitecturesWithRulesCompacted() {
        String script = services.get("kafka-topics").get("command").get(0).asText();
        Set<String> created = new TreeSet<>();
        Matcher names = Pattern.compile("factory\\.[a-z-]+").matcher(script);
        while (names.find()) {
            created.add(names.group());
        }
        assertThat(created).containsExactlyInAnyOrderElementsOf(Topics.ALL_KAFKA);
        assertThat(script).contains("--topic factory.rules --partitions 4 --config cleanup.policy=compact");
    }

    /**
     * Issue 17, items 10 and 11: the settings each Flink container really runs with, which are not the mounted file's
     * alone: the image's entrypoint rewrites some of them ({@link #asFlinksImageStartsIt}).
     */
    @Test
    void theFlinkConfigurationIsTheOneTheJobsNeed() {
        JsonNode file = read(ROOT.resolve("flink-conf/config.yaml"));
        for (String service : List.of("jobmanager", "taskmanager")) {
            JsonNode container = services.get(service);
            assertThat(container.get("entrypoint").toString()).as(service)
                    .contains("cp /opt/plantline/flink-conf/config.yaml /opt/flink/conf/config.yaml && exec /docker-entrypoint.sh");
            Map<String, String> config = asFlinksImageStartsIt(file, container.path("environment"), "c0ffee1234ab");
            assertThat(config).as(service).containsEntry("jobmanager.rpc.address", "jobmanager")
                    .containsEntry("state.backend.type", "rocksdb")
                    .containsEntry("execution.checkpointing.incremental", "true")
                    .containsEntry("execution.checkpointing.mode", "EXACTLY_ONCE");
            assertThat(services.has(config.get("jobmanager.rpc.address"))).as(service + " reaches the JobManager").isTrue();
            for (String directory : List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir",
                    "web.upload.dir")) {
                assertThat(config.get(directory)).as(service + " " + directory).matches("(file://)?/flink-data/.*");
            }
            assertThat(container.get("volumes").toString()).as(service).contains("flink-data:/flink-data");
            assertThat(container.at("/depends_on/flink-data-owner/condition").asText()).as(service)
                    .isEqualTo("service_completed_successfully");
        }
        // The image runs Flink as user flink; a new named volume belongs to root.
        JsonNode owner = services.get("flink-data-owner");
        assertThat(owner.path("user").asText()).isEqualTo("root");
        assertThat(owner.get("entrypoint").toString()).contains("chown -R flink:flink /flink-data");
        assertThat(owner.get("volumes").toString()).contains("flink-data:/flink-data");

        Map<String, String> taskManager = asFlinksImageStartsIt(file, services.at("/taskmanager/environment"), "c0ffee1234ab");
        int slots = Integer.parseInt(taskManager.get("taskmanager.numberOfTaskSlots"))
                * services.at("/taskmanager/deploy/replicas").asInt();
        int parallelism = Integer.parseInt(services.at("/submit-jobs/environment/PLANTLINE_PARALLELISM").asText());
        assertThat(slots).as("slots for the three jobs").isGreaterThanOrEqualTo(3 * parallelism);
    }

    /**
     * Issue 29: a JobManager lost does not lose the jobs. Flink's ZooKeeper high availability (as ClusterIT runs it):
     * both JobManagers elect their leader in the compose's ZooKeeper and keep the jobs and their checkpoints' pointers
     * on the shared volume, so the standby, or the restarted JobManager, recovers every job from its latest checkpoint.
     */
    @Test
    void aStandbyJobManagerTakesOverTheJobsThroughZooKeeper() {
        JsonNode file = read(ROOT.resolve("flink-conf/config.yaml"));
        List<String> jobManagers = List.of("jobmanager", "jobmanager-standby");
        for (String service : List.of("jobmanager", "jobmanager-standby", "taskmanager")) {
            JsonNode container = services.get(service);
            Map<String, String> config = asFlinksImageStartsIt(file, container.path("environment"), "c0ffee1234ab");
            assertThat(config).as(service).containsEntry("high-availability.type", "zookeeper")
                    .containsEntry("high-availability.cluster-id", "/plantline");
            assertThat(config.get("high-availability.storageDir")).as(service).startsWith("file:///flink-data/");
            String quorum = config.get("high-availability.zookeeper.quorum");
            assertThat(services.has(quorum.split(":")[0])).as(service + " reaches ZooKeeper at " + quorum).isTrue();
            assertThat(names(container.get("depends_on"))).as(service).contains("zookeeper");
        }
        for (String jobManager : jobManagers) {
            assertThat(services.get(jobManager).get("entrypoint").toString()).as(jobManager)
                    .contains("exec /docker-entrypoint.sh jobmanager");
            // Each advertises its own address; the leader is found through ZooKeeper, not by name.
            assertThat(services.at("/" + jobManager + "/environment/JOB_MANAGER_RPC_ADDRESS").asText()).isEqualTo(jobManager);
        }
        assertThat(services.at("/zookeeper/image").asText()).startsWith("zookeeper:3.8");
        assertThat(services.at("/zookeeper/volumes").toString()).contains("zookeeper-data:/data");
    }

    /**
     * What Flink's image (flink-docker's {@code docker-entrypoint.sh} for 2.2) does to {@code conf/config.yaml}
     * before the process reads it: {@code jobmanager.rpc.address} becomes {@code JOB_MANAGER_RPC_ADDRESS}, or the
     * container's host name when that is unset; the blob and query server ports are fixed;
     * {@code TASK_MANAGER_NUMBER_OF_TASK_SLOTS} sets the slots; each {@code key: value} line of
     * {@code FLINK_PROPERTIES} sets its key.
     */
    static Map<String, String> asFlinksImageStartsIt(JsonNode configFile, JsonNode environment, String hostname) {
        Map<String, String> config = new java.util.TreeMap<>();
        flatten("", configFile, config);
        config.put("jobmanager.rpc.address", environment.path("JOB_MANAGER_RPC_ADDRESS").asText(hostname));
        config.put("blob.server.port", "6124");
        config.put("query.server.port", "6125");
        if (environment.has("TASK_MANAGER_NUMBER_OF_TASK_SLOTS")) {
            config.put("taskmanager.numberOfTaskSlots", environment.get("TASK_MANAGER_NUMBER_OF_TASK_SLOTS").asText());
        }
        environment.path("FLINK_PROPERTIES").asText("").lines().map(line -> line.replaceAll("\\s", ""))
                .filter(line -> !line.isEmpty())
                .forEach(line -> config.put(line.substring(0, line.indexOf(':')), line.substring(line.indexOf(':') + 1)));
        return config;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> into) {
        if (node.isObject()) {
            for (Iterator<String> fields = node.fieldNames(); fields.hasNext(); ) {
                String field = fields.next();
                flatten(prefix.isEmpty() ? field : prefix + "." + field, node.get(field), into);
            }
        } else {
            into.put(prefix, node.asText());
        }
    }

    @Test
    void everyDashboardQueryRunsOnTheSchema(TestDatabase database) throws Exception {
        SchemaMigration.apply(database.jdbcUrl());
        JsonNode dashboard = JSON.readTree(ROOT.resolve("grafana/dashboards/plant-overview.json").toFile());
        List<String> queries = new ArrayList<>(dashboard.findValuesAsText("rawSql"));
        dashboard.at("/templating/list").forEach(variable -> queries.add(variable.get("query").asText()));
        assertThat(queries).hasSize(8);
        for (String query : queries) {
            database.query("EXPLAIN " + runnable(query));
        }
        JsonNode datasource = read(ROOT.resolve("grafana/provisioning/datasources/plantline.yaml"));
        assertThat(datasource.at("/datasources/0/jsonData/database").asText())
                .isEqualTo(services.at("/postgres/environment/POSTGRES_DB").asText());
        assertDashboardsReadOnlyWhatTheyShow(database, queries, datasource);
    }

    /**
     * Issue 18, item 10: Grafana logs in as a member of plantline_dashboards (migration V13), which runs every query of
     * the dashboard and reads neither users, devices (their key hashes) nor the audit log, and writes nothing.
     */
    private static void assertDashboardsReadOnlyWhatTheyShow(TestDatabase database, List<String> queries,
                                                              JsonNode datasource) throws Exception {
        assertThat(datasource.at("/datasources/0/user").asText()).isEqualTo("grafana");
        assertThat(text(ROOT.resolve("grafana/grafana-db-user.sql"))).contains("IN ROLE plantline_dashboards");
        String login = "dashboards_" + database.schema();
        database.execute("CREATE ROLE " + login + " LOGIN PASSWORD 'probe-password' IN ROLE plantline_dashboards");
        try {
            Properties credentials = new Properties();
            credentials.setProperty("user", login);
            credentials.setProperty("password", "probe-password");
            String url = database.jdbcUrl().replaceAll("([?&])(user|password)=[^&]*&?", "$1").replaceAll("[?&]$", "");
            try (Connection connection = DriverManager.getConnection(url, credentials);
                 Statement statement = connection.createStatement()) {
                for (String query : queries) {
                    statement.execute("EXPLAIN " + runnable(query));
                }
                for (String secret : List.of("SELECT * FROM users", "SELECT * FROM devices", "SELECT * FROM api_audit",
                        "SELECT * FROM refresh_tokens", "DELETE FROM alerts")) {
                    assertThatThrownBy(() -> statement.execute(secret)).as(secret)
                            .hasMessageContaining("permission denied");
                }
            }
        } finally {
            database.execute("DROP ROLE " + login);
        }
    }

    /** A dashboard query with Grafana's macros and variables filled in. */
    private static String runnable(String query) {
        return query.replaceAll("\\$__timeFilter\\(([a-z_.]+)\\)", "$1 > now() - interval '1 day'")
                .replace("$org", "demo").replace("$metric", "temperature");
    }

    private void assertSettings(String service, String prefix, Set<String> names) {
        Set<String> known = new TreeSet<>();
        names.forEach(name -> known.add(prefix + "_" + name.toUpperCase(Locale.ROOT).replace('-', '_')));
        List<String> variables = names(services.get(service).get("environment")).stream()
                .filter(variable -> variable.startsWith("PLANTLINE_")).toList();
        assertThat(variables).as(service).isNotEmpty();
        assertThat(known).as(service + " settings").containsAll(variables);
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        if (object.isArray()) {
            object.forEach(item -> names.add(item.asText()));
        }
        for (Iterator<String> fields = object.fieldNames(); fields.hasNext(); ) {
            names.add(fields.next());
        }
        return names;
    }

    /** A YAML file as Docker Compose reads it, merge keys ({@code <<: *anchor}) resolved. */
    private static JsonNode read(Path file) {
        return JSON.valueToTree(new Yaml(new SafeConstructor(new LoaderOptions())).load(text(file)));
    }

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
