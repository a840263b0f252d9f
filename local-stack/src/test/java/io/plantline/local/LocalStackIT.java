package io.plantline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import io.plantline.model.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole local stack in the test JVM, on free ports and a temporary data directory. */
class LocalStackIT {

    @TempDir
    Path dataDir;

    @Test
    void startsEverythingAndKeepsPostgresDataAcrossRestarts() throws Exception {
        LocalStackOptions options = FreePortOptions.of(dataDir, "--machines=6", "--groups=2", "--interval-ms=200");
        ByteArrayOutputStream console = new ByteArrayOutputStream();

        try (LocalStack stack = new LocalStack(new PrintStream(console, true, StandardCharsets.UTF_8))) {
            stack.start(options);

            assertThat(console.toString(StandardCharsets.UTF_8)).contains("Plantline local stack is up",
                    "MQTT broker      tcp://127.0.0.1:", "Kafka bootstrap", "PostgreSQL       jdbc:postgresql://",
                    "Flink web UI     http://127.0.0.1:", "metrics at http://127.0.0.1:", "6 machines of 'demo' on 2 lines");
            assertTopics(stack.kafkaBootstrapServers());
            assertThat(console.toString(StandardCharsets.UTF_8)).contains("Control API      http://127.0.0.1:", "Login            admin@demo.local / ");
            assertApiServesThePlant(stack.apiPort(), console.toString(StandardCharsets.UTF_8));
            assertThat(count(stack.jdbcUrl(), "SELECT count(*) FROM devices WHERE org_slug = 'demo'")).isEqualTo(6);
            assertThat(count(stack.jdbcUrl(), "SELECT count(*) FROM device_group_members")).isEqualTo(6);

            StatusSampler sampler = stack.statusSampler();
            StatusSnapshot first = sampler.sample();
            Awaitility.await().atMost(30, TimeUnit.SECONDS)
                    .until(() -> sampler.sample().mqttPublishesIn() >= first.mqttPublishesIn() + 50);
            // The bridge forwards the simulator's messages into Kafka.
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> {
                Map<String, Long> records = sampler.sample().kafkaRecordsByTopic();
                return records.getOrDefault(Topics.TELEMETRY, 0L) >= 30
                        && records.getOrDefault(Topics.MACHINE_EVENTS, 0L) >= 6;
            });
            StatusSnapshot later = sampler.sample();
            assertThat(later.simulatorPublished()).isPositive();
            assertThat(later.kafkaRecordsByTopic().getOrDefault(Topics.DEAD_LETTER, 0L)).isZero();
            assertThat(later.openAlerts()).hasValue(0);
            assertThat(StatusLine.format(first, later)).contains("mqtt in", "open alerts 0",
                    "| jobs telemetry-analytics RUNNING ckpt ", "oee RUNNING ckpt ", "device-lifecycle RUNNING ckpt ");

            // The analytics job runs with the demo rule: a breach opens an alert, and minutes are aggregated;
            // the OEE job writes the machines' minutes with their ideal cycle times.
            stack.faultCommand("breach all 40");
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> sampler.sample().openAlerts().orElse(0) >= 1);
            // The duty mailbox hears of it: the notifier's mail, caught and saved in the data directory.
            assertThat(console.toString(StandardCharsets.UTF_8)).contains("Mail             SMTP 127.0.0.1:");
            Path mailbox = dataDir.resolve("mail");
            String mail = Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> {
                try (java.util.stream.Stream<Path> files = Files.list(mailbox)) {
                    return files.map(LocalStackIT::read).filter(text -> text.contains("To: duty@demo.local"))
                            .findFirst().orElse("");
                }
            }, text -> !text.isEmpty());
            assertThat(mail).contains("To: duty@demo.local", "alert opened", "Rule: overheat");
            Awaitility.await().atMost(120, TimeUnit.SECONDS)
                    .until(() -> count(stack.jdbcUrl(), "SELECT count(*) FROM telemetry_1m") > 0);
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> count(stack.jdbcUrl(),
                    "SELECT count(*) FROM oee_1m WHERE ideal_cycle_ms IS NOT NULL") > 0);
            // The device-lifecycle job sees every simulated machine online.
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> count(stack.jdbcUrl(),
                    "SELECT count(*) FROM devices WHERE org_slug = 'demo' AND online AND last_seen_at IS NOT NULL") == 6);

            assertDevicesLogInWithTheirKeys(stack.apiPort(), console.toString(StandardCharsets.UTF_8));
            assertAJobThatFailsIsShownStoppedWhileTheOthersGoOn(stack, sampler, console.toString(StandardCharsets.UTF_8));

            stack.execute("INSERT INTO organisations (slug, name) VALUES ('kept', 'Kept across restarts')");
        }

        ByteArrayOutputStream secondConsole = new ByteArrayOutputStream();
        try (LocalStack stack = new LocalStack(new PrintStream(secondConsole, true, StandardCharsets.UTF_8))) {
            stack.start(options);
            String second = secondConsole.toString(StandardCharsets.UTF_8);
            assertThat(second).contains("schema: up to date", "job telemetry-analytics: resumes from chk-");
            assertThat(count(stack.jdbcUrl(), "SELECT count(*) FROM organisations WHERE slug = 'kept'")).isEqualTo(1);
            // The API says which checkpoint each job resumed from.
            String resumedFrom = second.replaceFirst("(?s).*job telemetry-analytics: resumes from (chk-\\d+).*", "$1");
            String token = login(stack.apiPort(), second);
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> job(jobs(stack.apiPort(), token),
                    "telemetry-analytics").path("restoredFrom").asText().endsWith("/" + resumedFrom));
        }
    }

    @Test
    void takenPortIsRefusedWithTheSettingToChange() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            LocalStackOptions options = LocalStackOptions.parse(new String[] {"--mqtt-port=" + taken.getLocalPort(),
                    "--data-dir=" + dataDir}, Map.of());
            try (LocalStack stack = new LocalStack(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
                assertThatThrownBy(() -> stack.start(options))
                        .isInstanceOf(PortInUseException.class)
                        .hasMessage("MQTT broker cannot listen on port " + taken.getLocalPort() + ": another process "
                                + "already uses it. Stop that process or choose another port with "
                                + "--mqtt-port / PLANTLINE_MQTT_PORT.");
            }
        }
    }

    /**
     * Issue 17, item 8: the OEE job's table taken away, so its writes fail and Flink restarts it again and again; the
     * status line and {@code /jobs} must say processing stopped, and for that job only, and clear once it recovers.
     */
    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertAJobThatFailsIsShownStoppedWhileTheOthersGoOn(LocalStack stack, StatusSampler sampler,
                                                                          String console) throws Exception {
        String token = login(stack.apiPort(), console);
        stack.execute("ALTER TABLE oee_1m RENAME TO oee_1m_away");
        Awaitility.await().atMost(3, TimeUnit.MINUTES).pollInterval(1, TimeUnit.SECONDS).until(() -> {
            StatusSnapshot now = sampler.sample();
            return StatusLine.format(now, now).startsWith("PROCESSING STOPPED: oee is ");
        });
        Awaitility.await().atMost(3, TimeUnit.MINUTES).pollInterval(1, TimeUnit.SECONDS).until(() -> {
            JsonNode jobs = jobs(stack.apiPort(), token);
            return job(jobs, "oee").path("processing").asBoolean(true) == false
                    && job(jobs, "oee").path("problem").asText().startsWith("oee is ")
                    && job(jobs, "telemetry-analytics").path("processing").asBoolean()
                    && job(jobs, "device-lifecycle").path("processing").asBoolean();
        });

        stack.execute("ALTER TABLE oee_1m_away RENAME TO oee_1m");
        Awaitility.await().atMost(4, TimeUnit.MINUTES).pollInterval(1, TimeUnit.SECONDS).until(() -> {
            StatusSnapshot now = sampler.sample();
            return !StatusLine.format(now, now).startsWith("PROCESSING STOPPED")
                    && job(jobs(stack.apiPort(), token), "oee").path("processing").asBoolean();
        });
    }

    /**
     * Issue 18, item 1: the local broker turns anonymous clients away; a device registered through the API logs in as
     * {@code org/device} with its write key.
     */
    private static void assertDevicesLogInWithTheirKeys(int apiPort, String console) throws Exception {
        int mqttPort = Integer.parseInt(console.lines().filter(line -> line.contains("MQTT broker      tcp://"))
                .findFirst().orElseThrow().replaceFirst(".*tcp://127\\.0\\.0\\.1:(\\d+).*", "$1"));
        assertThatThrownBy(() -> mqttClient(mqttPort).buildBlocking().connect()).isInstanceOf(Mqtt5ConnAckException.class);

        String token = login(apiPort, console);
        String created = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + apiPort + "/api/v1/devices"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"deviceId\":\"probe-1\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        String key = new ObjectMapper().readTree(created).at("/data/writeKey").asText();
        Mqtt5BlockingClient device = mqttClient(mqttPort).identifier("demo/probe-1").simpleAuth().username("demo/probe-1")
                .password(key.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().buildBlocking();
        device.connect();
        device.publishWith().topic("plantline/demo/probe-1/heartbeat").qos(MqttQos.AT_LEAST_ONCE)
                .payload(("{\"ts\":" + System.currentTimeMillis() + "}").getBytes(StandardCharsets.UTF_8)).send();
        device.disconnect();
    }

    private static Mqtt5ClientBuilder mqttClient(int port) {
        return MqttClient.builder().useMqttVersion5().identifier("probe-" + System.nanoTime())
                .serverHost("127.0.0.1").serverPort(port);
    }

    private static JsonNode jobs(int apiPort, String token) throws Exception {
        String body = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + apiPort + "/api/v1/jobs"))
                .header("Authorization", "Bearer " + token).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return new ObjectMapper().readTree(body).path("data");
    }

    private static JsonNode job(JsonNode jobs, String name) {
        for (JsonNode job : jobs) {
            if (job.path("name").asText().equals(name) && job.path("current").asBoolean()) {
                return job;
            }
        }
        return MissingNode.getInstance();
    }

    private static String login(int apiPort, String console) throws Exception {
        String password = console.lines().filter(line -> line.contains("Login ")).findFirst().orElseThrow()
                .replaceFirst(".* / ", "").trim();
        String login = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + apiPort + "/api/v1/auth/login"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"email\":\"admin@demo.local\",\"password\":\""
                        + password + "\"}")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return login.replaceFirst(".*\"accessToken\":\"([^\"]+)\".*", "$1");
    }

    /** Logs in with the printed login and reads the simulated plant and its demo rule through the API. */
    private static void assertApiServesThePlant(int apiPort, String console) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + apiPort + "/api/v1";
        String token = login(apiPort, console);
        java.net.http.HttpResponse<String> devices = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(base + "/devices")).header("Authorization", "Bearer " + token).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(devices.statusCode()).isEqualTo(200);
        assertThat(devices.body()).contains("\"total\":6");
        assertThat(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/rules/overheat"))
                .header("Authorization", "Bearer " + token).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
        String jobs = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/jobs"))
                .header("Authorization", "Bearer " + token).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertThat(jobs).contains("\"name\":\"telemetry-analytics\"", "\"name\":\"oee\"", "\"state\":\"RUNNING\"",
                "\"retentionWarning\":null").doesNotContain("\"retentionWarning\":\"");

        // A 30-day OEE report of the demo plant, generated in the background and downloaded as CSV; its days are those
        // of the organisation's zone, this machine's.
        java.time.ZoneId zone = java.time.ZoneId.systemDefault();
        Instant tomorrow = java.time.LocalDate.now(zone).plusDays(1).atStartOfDay(zone).toInstant();
        String requested = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/reports"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"type\":\"oee\",\"scope\":\"organisation\","
                        + "\"granularity\":\"1d\",\"from\":\"" + tomorrow.minus(Duration.ofDays(30)) + "\",\"to\":\""
                        + tomorrow + "\"}")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        String reportId = requested.replaceFirst(".*\"reportId\":\"([^\"]+)\".*", "$1");
        java.net.URI download = java.net.URI.create(base + "/reports/" + reportId + "/download");
        String csv = Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> {
            java.net.http.HttpResponse<String> file = http.send(java.net.http.HttpRequest.newBuilder(download)
                    .header("Authorization", "Bearer " + token).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            return file.statusCode() == 200 ? file.body() : "";
        }, body -> !body.isEmpty());
        assertThat(csv).startsWith("kind,bucket_start,time_zone,planned_ms").contains("\r\ntotal,," + zone.getId() + ",");
    }

    private static void assertTopics(String bootstrapServers) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            Map<String, TopicDescription> topics = admin.describeTopics(Topics.ALL_KAFKA).allTopicNames().get();
            assertThat(topics).containsOnlyKeys(Topics.ALL_KAFKA);
            assertThat(topics.values()).allSatisfy(topic -> assertThat(topic.partitions()).hasSize(4));
            ConfigResource rules = new ConfigResource(ConfigResource.Type.TOPIC, Topics.RULES);
            assertThat(admin.describeConfigs(java.util.List.of(rules)).all().get().get(rules)
                    .get("cleanup.policy").value()).isEqualTo("compact");
        }
    }

    private static long count(String jdbcUrl, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }
}
