package io.plantline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.plantline.api.ApiOptions;
import io.plantline.api.jobs.JobRoutes;
import io.plantline.bridge.BridgeOptions;
import io.plantline.model.Topics;
import io.plantline.pipeline.JobOptions;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No Docker engine runs where the tests run, so the compose file is checked against the code instead: it parses,
 * its services and ports are the documented ones, every PLANTLINE_* variable is a setting the process knows, the
 * topics are the architecture's, the Flink configuration is the one the jobs expect, and every SQL query of the
 * Grafana dashboard runs against the real schema.
 */
@ExtendWith(PostgresExtension.class)
class ComposeFileIT {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final JsonNode compose = read(ROOT.resolve("docker-compose.yml"));
    private final JsonNode services = compose.get("services");

    @Test
    void servicesPortsAndStartOrder() {
        assertThat(names(services)).containsExactlyInAnyOrder("kafka", "kafka-topics", "postgres", "mosquitto", "jobmanager",
                "taskmanager", "control-api", "bridge", "submit-jobs", "grafana");
        Map<String, String> published = Map.of("kafka", "9092:9092", "postgres", "5432:5432", "mosquitto", "1883:1883",
                "jobmanager", "8081:8081", "control-api", "8080:8080", "bridge", "9464:9464", "grafana", "3000:3000");
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
        for (String service : List.of("control-api", "bridge", "submit-jobs")) {
            String target = services.get(service).get("build").get("target").asText();
            assertThat(dockerfile).as(service).contains(" AS " + target + "\n");
        }
    }

    @Test
    void everyPlantlineVariableIsASettingOfItsProcess() {
        assertSettings("control-api", ApiOptions.ENVIRONMENT_PREFIX, ApiOptions.NAMES);
        assertSettings("bridge", "PLANTLINE_BRIDGE", BridgeOptions.NAMES);
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

    @Test
    void theFlinkConfigurationIsTheOneTheJobsNeed() {
        JsonNode config = read(ROOT.resolve("flink-conf/config.yaml"));
        assertThat(config.at("/state/backend/type").asText()).isEqualTo("rocksdb");
        assertThat(config.at("/execution/checkpointing/incremental").asBoolean()).isTrue();
        assertThat(config.at("/execution/checkpointing/mode").asText()).isEqualTo("EXACTLY_ONCE");
        assertThat(config.at("/execution/checkpointing/dir").asText()).startsWith("file:///flink-data/");
        assertThat(config.at("/execution/checkpointing/savepoint-dir").asText()).startsWith("file:///flink-data/");
        assertThat(config.at("/jobmanager/rpc/address").asText()).isEqualTo("jobmanager");
        for (String service : List.of("jobmanager", "taskmanager")) {
            assertThat(services.get(service).get("volumes").toString()).as(service).contains("flink-data:/flink-data");
        }
        int slots = config.at("/taskmanager/numberOfTaskSlots").asInt() * services.at("/taskmanager/deploy/replicas").asInt();
        int parallelism = Integer.parseInt(services.at("/submit-jobs/environment/PLANTLINE_PARALLELISM").asText());
        assertThat(slots).as("slots for the three jobs").isGreaterThanOrEqualTo(3 * parallelism);
    }

    @Test
    void everyDashboardQueryRunsOnTheSchema(TestDatabase database) throws Exception {
        SchemaMigration.apply(database.jdbcUrl());
        JsonNode dashboard = new ObjectMapper().readTree(ROOT.resolve("grafana/dashboards/plant-overview.json").toFile());
        List<String> queries = new ArrayList<>(dashboard.findValuesAsText("rawSql"));
        dashboard.at("/templating/list").forEach(variable -> queries.add(variable.get("query").asText()));
        assertThat(queries).hasSize(7);
        for (String query : queries) {
            String runnable = query.replaceAll("\\$__timeFilter\\(([a-z_.]+)\\)", "$1 > now() - interval '1 day'")
                    .replace("$org", "demo").replace("$metric", "temperature");
            database.query("EXPLAIN " + runnable);
        }
        JsonNode datasource = read(ROOT.resolve("grafana/provisioning/datasources/plantline.yaml"));
        assertThat(datasource.at("/datasources/0/jsonData/database").asText())
                .isEqualTo(services.at("/postgres/environment/POSTGRES_DB").asText());
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

    private static JsonNode read(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
