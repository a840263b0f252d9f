package io.plantline.local;

import io.plantline.api.jobs.RetentionRisk;
import io.plantline.config.Settings;
import io.plantline.pipeline.lifecycle.LifecycleSettings;
import io.plantline.simulator.SimulatorOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Local mode's settings ({@link Settings}: {@code --name=value}, else {@code PLANTLINE_NAME}, else default).
 * The default ports avoid the standard ones (1883, 5432), which a developer's machine often already uses.
 *
 * @param mqttPort     embedded MQTT broker ({@code --mqtt-port}, default 1884)
 * @param kafkaPort    embedded Kafka ({@code --kafka-port}, default 9092; 0 picks a free port)
 * @param postgresPort embedded PostgreSQL ({@code --postgres-port}, default 5433)
 * @param flinkUiPort  Flink MiniCluster web UI and REST API ({@code --flink-ui-port}, default 8081)
 * @param bridgeMetricsPort the bridge's {@code /metrics} and {@code /health} ({@code --bridge-metrics-port}, default 9464)
 * @param apiPort      the control API ({@code --api-port}, default 8080)
 * @param smtpPort     the mail catcher, which receives the notifier's mail ({@code --smtp-port}, default 3025)
 * @param adminPassword the first admin's password ({@code --admin-password}); when absent one is made at the first
 *                     start and kept in {@code <data-dir>/admin-password}, like the rest of the PostgreSQL data
 * @param dataDir      where PostgreSQL data, broker sessions, checkpoints and logs live ({@code --data-dir},
 *                     default {@code .plantline} in the working directory); PostgreSQL data survives restarts
 * @param partitions   partitions of each Kafka topic ({@code --partitions}, default 4)
 * @param simulator    the simulated plant ({@code --org}, {@code --machines}, {@code --groups},
 *                     {@code --interval-ms}, {@code --seed}); it publishes to the embedded broker
 * @param lifecycle    the device-lifecycle job's settings ({@code --offline-after-ms}, {@code --ota-sent-timeout-ms}, ...;
 *                     see {@link LifecycleSettings})
 * @param retentionWarningPercent the status line and {@code /jobs} warn of a job whose unprocessed records are older
 *                     than this share of Kafka's retention ({@code --retention-warning-percent}, default 80)
 */
public record LocalStackOptions(int mqttPort, int kafkaPort, int postgresPort, int flinkUiPort, int bridgeMetricsPort,
                                int apiPort, int smtpPort, Optional<String> adminPassword, Path dataDir,
                                int partitions, SimulatorOptions simulator, LifecycleSettings lifecycle,
                                int retentionWarningPercent) {

    /** A server's port and how the user changes it, for the message when it is taken. */
    record ServerPort(String server, int port, String setting) {
    }

    public LocalStackOptions {
        List<Integer> fixedPorts = java.util.stream.IntStream.of(mqttPort, kafkaPort, postgresPort, flinkUiPort,
                        bridgeMetricsPort, apiPort, smtpPort)
                .filter(port -> port != 0).boxed().toList();
        if (new HashSet<>(fixedPorts).size() < fixedPorts.size()) {
            throw new IllegalArgumentException("two servers are set to the same port: " + fixedPorts);
        }
    }

    static final Set<String> NAMES = Stream.concat(Stream.of("mqtt-port", "kafka-port", "postgres-port",
            "flink-ui-port", "bridge-metrics-port", "api-port", "smtp-port", "admin-password", "data-dir", "partitions", "org", "machines",
            "groups", "interval-ms", "seed", "retention-warning-percent"), LifecycleSettings.NAMES.stream()).collect(Collectors.toUnmodifiableSet());
    static final String ENVIRONMENT_PREFIX = "PLANTLINE";

    public static LocalStackOptions parse(String[] args, Map<String, String> environment) {
        Settings settings = Settings.parse(args, environment, ENVIRONMENT_PREFIX, NAMES);
        int mqttPort = port(settings, "mqtt-port", 1884);
        SimulatorOptions simulator = new SimulatorOptions("127.0.0.1", mqttPort,
                settings.string("org", "demo"),
                (int) settings.number("machines", 20, 1, 100_000),
                (int) settings.number("groups", 4, 1, 1000),
                Duration.ofMillis(settings.number("interval-ms", 1000, 10, 3_600_000)),
                settings.number("seed", 1, Long.MIN_VALUE, Long.MAX_VALUE), Optional.empty(), "", "");
        return new LocalStackOptions(mqttPort, port(settings, "kafka-port", 9092),
                port(settings, "postgres-port", 5433), port(settings, "flink-ui-port", 8081),
                port(settings, "bridge-metrics-port", 9464), port(settings, "api-port", 8080), port(settings, "smtp-port", 3025),
                Optional.of(settings.string("admin-password", "")).filter(password -> !password.isEmpty()),
                Path.of(settings.string("data-dir", ".plantline")).toAbsolutePath().normalize(),
                (int) settings.number("partitions", 4, 1, 256), simulator, LifecycleSettings.from(settings),
                (int) settings.number("retention-warning-percent", RetentionRisk.DEFAULT_PERCENT, 1, 100));
    }

    List<ServerPort> ports() {
        return List.of(
                new ServerPort("MQTT broker", mqttPort, Settings.describe(ENVIRONMENT_PREFIX, "mqtt-port")),
                new ServerPort("Kafka", kafkaPort, Settings.describe(ENVIRONMENT_PREFIX, "kafka-port")),
                new ServerPort("PostgreSQL", postgresPort, Settings.describe(ENVIRONMENT_PREFIX, "postgres-port")),
                new ServerPort("Flink web UI", flinkUiPort, Settings.describe(ENVIRONMENT_PREFIX, "flink-ui-port")),
                new ServerPort("Bridge metrics", bridgeMetricsPort,
                        Settings.describe(ENVIRONMENT_PREFIX, "bridge-metrics-port")),
                new ServerPort("Control API", apiPort, Settings.describe(ENVIRONMENT_PREFIX, "api-port")),
                new ServerPort("Mail catcher", smtpPort, Settings.describe(ENVIRONMENT_PREFIX, "smtp-port")));
    }

    private static int port(Settings settings, String name, int fallback) {
        return (int) settings.number(name, fallback, 0, 65535);
    }
}
