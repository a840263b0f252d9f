package io.plantline.api;

import io.plantline.api.jobs.RetentionRisk;
import io.plantline.api.mqtt.ServiceAccount;
import io.plantline.config.JdbcAddress;
import io.plantline.config.Settings;
import io.plantline.model.Limits;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The control API's settings ({@link Settings}: {@code --name=value}, else {@code PLANTLINE_API_NAME}, else default).
 * The module README has the table; secrets (the token signing secret, the first admin's password) are best given
 * through the environment.
 *
 * @param database            the PostgreSQL database ({@code --jdbc-url}) and the login apart from it
 *                            ({@code --jdbc-user}, {@code --jdbc-password}; {@link JdbcAddress})
 * @param tokenSecret         HMAC secret for access tokens, at least 32 bytes ({@code --jwt-secret}); when absent a
 *                            random one is made at start, so tokens do not outlive the process
 * @param sessionLifetime     a login's absolute lifetime: however often it is refreshed, its refresh and access tokens
 *                            stop working this long after the login ({@code --session-lifetime-s}, default 7 days)
 * @param flinkRestUrl        the Flink cluster's REST address for {@code /jobs} ({@code --flink-rest-url}); absent: 503
 * @param jobJar              the shaded job jar {@code /jobs} submits ({@code --job-jar})
 * @param platformOrg         the organisation whose admins manage the cluster's jobs ({@code --platform-org}, default
 *                            the bootstrap organisation); to others {@code /jobs} does not exist
 * @param ota                 firmware limits and download links ({@link Ota})
 * @param bootstrapAdmin      organisation and first admin created at start if missing ({@code --bootstrap-org},
 *                            {@code --bootstrap-admin-email}, {@code --bootstrap-admin-password})
 * @param mosquitto           the Mosquitto whose accounts the API keeps in step with the registry ({@link Mosquitto})
 * @param corsOrigins         origins whose browser pages may call the API ({@code --cors-origins}, comma-separated,
 *                            such as {@code https://dashboard.plant.example}); none by default
 * @param edge                limits applied before authentication, and the audit log's retention ({@link Edge})
 * @param webSockets          the live socket's heartbeat, idle timeout and live-message limit ({@link WebSockets})
 * @param notifications       the SMTP server and the senders' retries ({@link Notifications})
 * @param reports             background KPI reports ({@link Reports})
 * @param kpiRetention        how long the KPI tables keep minutes, hours, days and anomalies, and how far ahead
 *                            their partitions are made ({@link KpiRetention})
 * @param retentionWarningPercent {@code /jobs} warns of a job whose unprocessed records are older than this share of
 *                            their topic's Kafka retention ({@code --retention-warning-percent}, default 80;
 *                            {@link RetentionRisk})
 */
public record ApiOptions(int port, JdbcAddress database, String kafkaBootstrap, byte[] tokenSecret, Duration accessTokenLifetime,
                         Duration refreshTokenLifetime, Duration sessionLifetime, int bcryptCost, int userRequestsPerMinute, int loginsPerMinute,
                         long maxBodyBytes, int maxIngestBytes, Duration statementTimeout, int databasePoolSize,
                         WebSockets webSockets, Optional<String> flinkRestUrl,
                         Optional<java.nio.file.Path> jobJar, Optional<String> platformOrg, Ota ota, Optional<BootstrapAdmin> bootstrapAdmin,
                         Optional<Mosquitto> mosquitto, List<String> corsOrigins, Edge edge, Notifications notifications,
                         Reports reports, KpiRetention kpiRetention, int retentionWarningPercent) {

    public static final String ENVIRONMENT_PREFIX = "PLANTLINE_API";
    public static final Set<String> NAMES = Set.of("port", "jdbc-url", "jdbc-user", "jdbc-password", "kafka-bootstrap", "jwt-secret", "access-token-ttl-s",
            "refresh-token-ttl-s", "session-lifetime-s", "bcrypt-cost", "user-requests-per-minute", "logins-per-minute", "max-body-bytes",
            "max-ingest-bytes", "statement-timeout-ms", "db-pool-size", "ws-heartbeat-s", "ws-idle-timeout-s",
            "ws-messages-per-second",
            "bootstrap-org", "bootstrap-admin-email", "bootstrap-admin-password", "flink-rest-url", "job-jar", "platform-org",
            "max-firmware-bytes", "firmware-quota-bytes-per-day", "download-link-ttl-s", "public-url", "rollout-interval-ms",
            "mosquitto-host", "mosquitto-port", "mosquitto-admin-user", "mosquitto-admin-password", "mqtt-bridge-password",
            "mqtt-simulator-password", "mqtt-simulator-org", "cors-origins", "address-requests-per-minute", "trusted-proxies",
            "audit-retention-days", "smtp-host", "smtp-port", "smtp-from", "smtp-user", "smtp-password", "smtp-starttls",
            "notify-senders", "notify-channel-concurrency", "notify-breaker-failures", "notify-breaker-cooldown-s", "notify-max-attempts", "notify-retry-base-ms", "notify-allow-http", "notify-allow-private-destinations", "secrets-key", "secrets-previous-keys", "notify-retention-days",
            "report-workers", "reports-per-org", "report-retention-hours", "report-link-ttl-s", "report-lease-s",
            "report-max-attempts", "retention-warning-percent", "minutes-retention-days", "hours-retention-days",
            "days-retention-days", "anomalies-retention-days", "partitions-ahead-days");

    /**
     * @param maxFirmwareBytes     largest firmware image ({@code --max-firmware-bytes}, default 10 MB): 413 beyond
     * @param dailyUploadBytes     firmware an organisation may upload in 24 h ({@code --firmware-quota-bytes-per-day},
     *                             default 100 MB): 429 beyond
     * @param downloadLinkLifetime how long a signed download link sent to a device works ({@code --download-link-ttl-s},
     *                             default 3600)
     * @param publicUrl            the API's address as devices reach it, for download links ({@code --public-url});
     *                             absent: http://127.0.0.1 with the listening port, for local mode
     * @param rolloutInterval      how often running roll-outs are moved on ({@code --rollout-interval-ms}, default 2000)
     */
    public record Ota(long maxFirmwareBytes, long dailyUploadBytes, Duration downloadLinkLifetime, Optional<String> publicUrl,
                      Duration rolloutInterval) {
    }

    /**
     * Mosquitto's dynamic-security plugin, for cluster mode: devices' accounts follow the registry and the services'
     * accounts are written at start ({@link io.plantline.api.mqtt.MosquittoAccounts}). Given by {@code --mosquitto-host},
     * {@code --mosquitto-port} (1883), {@code --mosquitto-admin-user} (admin) and {@code --mosquitto-admin-password};
     * the bridge's password {@code --mqtt-bridge-password}; the simulator's, optional, {@code --mqtt-simulator-password}
     * for the organisation {@code --mqtt-simulator-org} (default the bootstrap organisation).
     */
    public record Mosquitto(String host, int port, String adminUser, String adminPassword, List<ServiceAccount> services) {
    }

    /**
     * @param addressRequestsPerMinute requests a client address may make a minute, counted before authentication, so
     *                                 anonymous floods are stopped too ({@code --address-requests-per-minute}, default
     *                                 6000: devices behind one gateway share an address)
     * @param trustedProxies           peers whose {@code X-Forwarded-For} names the client ({@code --trusted-proxies},
     *                                 comma-separated addresses of the load balancers in front; none by default)
     * @param auditRetention           how long {@code api_audit} keeps a row ({@code --audit-retention-days}, default 90)
     */
    public record Edge(int addressRequestsPerMinute, Set<String> trustedProxies, Duration auditRetention) {
    }

    /**
     * Notifications ({@code io.plantline.api.notifications}).
     *
     * @param smtp         the mail server; without {@code --smtp-host}, mail deliveries fail saying none is configured
     * @param senders      deliveries sent at once by this server ({@code --notify-senders}, default 4)
     * @param channelConcurrency deliveries one channel may have under way on this server
     *                     ({@code --notify-channel-concurrency}, default 2), so a receiver that hangs holds no more senders
     * @param breaker      when a channel's circuit breaker opens, and for how long ({@link Breaker})
     * @param maxAttempts  attempts before a delivery has failed ({@code --notify-max-attempts}, default 8)
     * @param retryBase    the pause after the first failed attempt, doubled after each next one
     *                     ({@code --notify-retry-base-ms}, default 5000)
     * @param allowHttp    whether webhook and SMS gateway URLs may be plain http ({@code --notify-allow-http}, default
     *                     false: https only)
     * @param allowPrivateDestinations whether webhooks and SMS gateway requests may go to loopback, link-local, private
     *                     or this machine's own addresses ({@code --notify-allow-private-destinations}, default false)
     * @param secretsKey   the AES-256 key sealing channel secrets at rest ({@code --secrets-key}, base64 of 32 bytes;
     *                     default: derived from the token signing secret)
     * @param previousSecretsKeys keys channel secrets may still be sealed under after a rotation
     *                     ({@code --secrets-previous-keys}, comma-separated); they are sealed again at start
     * @param retention    how long the delivery log keeps a message that is no longer pending
     *                     ({@code --notify-retention-days}, default 30)
     */
    public record Notifications(Optional<Smtp> smtp, int senders, int channelConcurrency, Breaker breaker,
                                int maxAttempts, Duration retryBase, boolean allowHttp, boolean allowPrivateDestinations,
                                byte[] secretsKey, List<byte[]> previousSecretsKeys, Duration retention) {
    }

    /**
     * A notification channel's circuit breaker, on each server.
     *
     * @param failures attempts in a row that failed or timed out before the channel is open
     *                 ({@code --notify-breaker-failures}, default 5)
     * @param coolDown how long an open channel's messages wait before one trial goes ({@code --notify-breaker-cooldown-s},
     *                 default 60)
     */
    public record Breaker(int failures, Duration coolDown) {
    }

    /**
     * Background KPI reports ({@code io.plantline.api.reports}).
     *
     * @param workers         reports this server generates at once ({@code --report-workers}, default 2)
     * @param perOrganisation reports an organisation may have queued or running ({@code --reports-per-org}, default 3):
     *                        429 beyond
     * @param retention       how long a report is kept after it was requested ({@code --report-retention-hours},
     *                        default 72); then it is deleted
     * @param linkLifetime    how long the signed download link in the ready mail works ({@code --report-link-ttl-s},
     *                        default 86400)
     * @param lease           how long a running report stays claimed without word from its server
     *                        ({@code --report-lease-s}, default 120); the server renews it while it generates the report
     * @param maxAttempts     how often a report is started before it has failed ({@code --report-max-attempts},
     *                        default 3): a report whose server stops (or dies) each time is not taken up for ever
     */
    public record Reports(int workers, int perOrganisation, Duration retention, Duration linkLifetime, Duration lease,
                          int maxAttempts) {
    }

    /**
     * The SMTP server: {@code --smtp-host}, {@code --smtp-port} (25), {@code --smtp-from} (plantline@localhost), and
     * if it needs them {@code --smtp-user}, {@code --smtp-password} and {@code --smtp-starttls=true}.
     */
    public record Smtp(String host, int port, String from, Optional<String> user, Optional<String> password,
                       boolean startTls) {
    }

    /** An organisation and its first admin, so a fresh installation can be logged into. */
    public record BootstrapAdmin(String orgSlug, String email, String password) {
    }

    public static ApiOptions parse(String[] args, Map<String, String> environment) {
        Settings settings = Settings.parse(args, environment, ENVIRONMENT_PREFIX, NAMES);
        String secret = settings.string("jwt-secret", "");
        if (!secret.isEmpty() && secret.getBytes(StandardCharsets.UTF_8).length < 32) {
            throw new IllegalArgumentException("jwt-secret must be at least 32 bytes");
        }
        byte[] tokenSecret = secret.isEmpty() ? randomSecret() : secret.getBytes(StandardCharsets.UTF_8);
        String org = settings.string("bootstrap-org", "");
        Optional<BootstrapAdmin> admin = org.isEmpty() ? Optional.empty() : Optional.of(new BootstrapAdmin(org,
                settings.string("bootstrap-admin-email", "admin@" + org + ".local"),
                settings.string("bootstrap-admin-password", "")));
        return new ApiOptions(
                (int) settings.number("port", 8080, 0, 65535),
                JdbcAddress.from(settings, "jdbc:postgresql://localhost:5432/plantline"),
                settings.string("kafka-bootstrap", "localhost:9092"),
                tokenSecret,
                Duration.ofSeconds(settings.number("access-token-ttl-s", 900, 1, 86_400)),
                Duration.ofSeconds(settings.number("refresh-token-ttl-s", 30L * 86_400, 60, 365L * 86_400)),
                Duration.ofSeconds(settings.number("session-lifetime-s", 7L * 86_400, 60, 365L * 86_400)),
                (int) settings.number("bcrypt-cost", 12, 4, 16),
                (int) settings.number("user-requests-per-minute", 100, 1, 1_000_000),
                (int) settings.number("logins-per-minute", 5, 1, 1_000_000),
                settings.number("max-body-bytes", 1 << 20, 1024, 100L << 20),
                (int) settings.number("max-ingest-bytes", Limits.DEFAULT_MAX_PAYLOAD_BYTES, 1024, 10 << 20),
                Duration.ofMillis(settings.number("statement-timeout-ms", 5000, 100, 600_000)),
                (int) settings.number("db-pool-size", 10, 1, 200),
                new WebSockets(Duration.ofSeconds(settings.number("ws-heartbeat-s", 30, 1, 3600)),
                        Duration.ofSeconds(settings.number("ws-idle-timeout-s", 60, 1, 7200)),
                        (int) settings.number("ws-messages-per-second", 50, 1, 10_000)),
                optional(settings, "flink-rest-url"),
                optional(settings, "job-jar").map(java.nio.file.Path::of),
                optional(settings, "platform-org").or(() -> org.isEmpty() ? Optional.empty() : Optional.of(org)),
                new Ota(settings.number("max-firmware-bytes", 10L << 20, 1024, 10L << 20),
                        settings.number("firmware-quota-bytes-per-day", 100L << 20, 1024, 100L << 30),
                        Duration.ofSeconds(settings.number("download-link-ttl-s", 3600, 60, 7 * 86_400)),
                        optional(settings, "public-url").map(url -> url.replaceAll("/+$", "")),
                        Duration.ofMillis(settings.number("rollout-interval-ms", 2000, 50, 600_000))),
                admin,
                mosquitto(settings, org),
                list(settings, "cors-origins"),
                new Edge((int) settings.number("address-requests-per-minute", 6000, 1, 10_000_000),
                        Set.copyOf(list(settings, "trusted-proxies")),
                        Duration.ofDays(settings.number("audit-retention-days", 90, 1, 3650))),
                new Notifications(optional(settings, "smtp-host").map(host -> new Smtp(host,
                                (int) settings.number("smtp-port", 25, 1, 65535),
                                settings.string("smtp-from", "plantline@localhost"), optional(settings, "smtp-user"),
                                optional(settings, "smtp-password"), settings.flag("smtp-starttls", false))),
                        (int) settings.number("notify-senders", 4, 1, 64),
                        (int) settings.number("notify-channel-concurrency", 2, 1, 64),
                        new Breaker((int) settings.number("notify-breaker-failures", 5, 1, 100),
                                Duration.ofSeconds(settings.number("notify-breaker-cooldown-s", 60, 1, 86_400))),
                        (int) settings.number("notify-max-attempts", 8, 1, 100),
                        Duration.ofMillis(settings.number("notify-retry-base-ms", 5000, 1, 3_600_000)),
                        settings.flag("notify-allow-http", false),
                        settings.flag("notify-allow-private-destinations", false),
                        optional(settings, "secrets-key").map(ApiOptions::base64Key).orElseGet(() -> derivedKey(tokenSecret)),
                        list(settings, "secrets-previous-keys").stream().map(ApiOptions::base64Key).toList(),
                        Duration.ofDays(settings.number("notify-retention-days", 30, 1, 3650))),
                new Reports((int) settings.number("report-workers", 2, 1, 16),
                        (int) settings.number("reports-per-org", 3, 1, 100),
                        Duration.ofHours(settings.number("report-retention-hours", 72, 1, 24L * 365)),
                        Duration.ofSeconds(settings.number("report-link-ttl-s", 86_400, 60, 30L * 86_400)),
                        Duration.ofSeconds(settings.number("report-lease-s", 120, 1, 3600)),
                        (int) settings.number("report-max-attempts", 3, 1, 100)),
                new KpiRetention(retentionDays(settings, "minutes-retention-days", 90),
                        retentionDays(settings, "hours-retention-days", 730),
                        retentionDays(settings, "days-retention-days", 0),
                        retentionDays(settings, "anomalies-retention-days", 365),
                        Duration.ofDays(settings.number("partitions-ahead-days", 7, 1, 366))),
                (int) settings.number("retention-warning-percent", RetentionRisk.DEFAULT_PERCENT, 1, 100));
    }

    /**
     * The live socket ({@code /api/v1/ws}).
     *
     * @param heartbeat         how often the server sends a heartbeat and a ping ({@code --ws-heartbeat-s})
     * @param idleTimeout       a socket heard nothing from for this long is closed ({@code --ws-idle-timeout-s})
     * @param messagesPerSecond live channel messages one socket gets at most; the excess is dropped and counted
     *                          ({@code --ws-messages-per-second})
     */
    public record WebSockets(Duration heartbeat, Duration idleTimeout, int messagesPerSecond) {
    }

    /**
     * Retention of the time-partitioned KPI tables (migration V36), applied by dropping whole partitions; empty: kept
     * for ever (a setting of 0 days).
     *
     * @param minutes         {@code telemetry_1m}, {@code oee_1m}, {@code oee_stop_minutes}
     *                        ({@code --minutes-retention-days}, default 90)
     * @param hours           {@code telemetry_1h}, {@code oee_1h}, {@code oee_group_1h}
     *                        ({@code --hours-retention-days}, default 730)
     * @param days            {@code telemetry_1d}, {@code oee_1d} ({@code --days-retention-days}, default 0: for ever)
     * @param anomalies       {@code anomalies} ({@code --anomalies-retention-days}, default 365)
     * @param partitionsAhead partitions are made this far ahead of now ({@code --partitions-ahead-days}, default 7)
     */
    public record KpiRetention(Optional<Duration> minutes, Optional<Duration> hours, Optional<Duration> days,
                               Optional<Duration> anomalies, Duration partitionsAhead) {

        /** The retention of a class of {@code partitioned_tables.retention}. */
        public Optional<Duration> of(String retentionClass) {
            return switch (retentionClass) {
                case "minutes" -> minutes;
                case "hours" -> hours;
                case "days" -> days;
                case "anomalies" -> anomalies;
                default -> throw new IllegalArgumentException("no retention class " + retentionClass);
            };
        }
    }

    private static Optional<Duration> retentionDays(Settings settings, String name, long defaultDays) {
        long days = settings.number(name, defaultDays, 0, 100 * 366);
        return days == 0 ? Optional.empty() : Optional.of(Duration.ofDays(days));
    }

    private static Optional<Mosquitto> mosquitto(Settings settings, String bootstrapOrg) {
        Optional<String> host = optional(settings, "mosquitto-host");
        if (host.isEmpty()) {
            return Optional.empty();
        }
        List<ServiceAccount> services = new ArrayList<>();
        services.add(ServiceAccount.bridge(required(settings, "mqtt-bridge-password")));
        optional(settings, "mqtt-simulator-password").ifPresent(password -> services.add(ServiceAccount.simulator(
                settings.string("mqtt-simulator-org", bootstrapOrg), password)));
        return Optional.of(new Mosquitto(host.get(), (int) settings.number("mosquitto-port", 1883, 1, 65535),
                settings.string("mosquitto-admin-user", "admin"), required(settings, "mosquitto-admin-password"),
                services));
    }

    private static String required(Settings settings, String name) {
        return optional(settings, name).orElseThrow(() -> new IllegalArgumentException(
                name + " is required with mosquitto-host"));
    }

    /** The same API attached to other servers (local mode and tests pick them at run time). */
    public ApiOptions connectedTo(int port, String jdbcUrl, String kafkaBootstrap) {
        return new ApiOptions(port, JdbcAddress.of(jdbcUrl), kafkaBootstrap, tokenSecret, accessTokenLifetime,
                refreshTokenLifetime, sessionLifetime, bcryptCost, userRequestsPerMinute, loginsPerMinute, maxBodyBytes, maxIngestBytes,
                statementTimeout, databasePoolSize, webSockets, flinkRestUrl, jobJar, platformOrg, ota, bootstrapAdmin,
                mosquitto, corsOrigins, edge, notifications, reports, kpiRetention, retentionWarningPercent);
    }

    /** The same API managing the jobs of a Flink cluster for {@code platformOrg}'s admins. */
    public ApiOptions managingJobs(String flinkRestUrl, Optional<java.nio.file.Path> jobJar, String platformOrg) {
        return new ApiOptions(port, database, kafkaBootstrap, tokenSecret, accessTokenLifetime, refreshTokenLifetime, sessionLifetime,
                bcryptCost, userRequestsPerMinute, loginsPerMinute, maxBodyBytes, maxIngestBytes, statementTimeout,
                databasePoolSize, webSockets, Optional.of(flinkRestUrl), jobJar,
                Optional.of(platformOrg), ota, bootstrapAdmin, mosquitto, corsOrigins, edge, notifications, reports,
                kpiRetention, retentionWarningPercent);
    }

    /** The same API sending mail through {@code smtp}, and allowing plain-http webhooks to local receivers (local mode). */
    public ApiOptions notifyingThrough(Smtp smtp) {
        return new ApiOptions(port, database, kafkaBootstrap, tokenSecret, accessTokenLifetime, refreshTokenLifetime, sessionLifetime,
                bcryptCost, userRequestsPerMinute, loginsPerMinute, maxBodyBytes, maxIngestBytes, statementTimeout,
                databasePoolSize, webSockets, flinkRestUrl, jobJar, platformOrg, ota, bootstrapAdmin, mosquitto,
                corsOrigins, edge, new Notifications(Optional.of(smtp), notifications.senders(),
                notifications.channelConcurrency(), notifications.breaker(), notifications.maxAttempts(),
                notifications.retryBase(), true, true, notifications.secretsKey(), notifications.previousSecretsKeys(),
                notifications.retention()), reports, kpiRetention, retentionWarningPercent);
    }

    private static List<String> list(Settings settings, String name) {
        return Arrays.stream(settings.string(name, "").split(",")).map(String::strip).filter(item -> !item.isEmpty())
                .toList();
    }

    private static Optional<String> optional(Settings settings, String name) {
        return Optional.of(settings.string(name, "")).filter(value -> !value.isEmpty());
    }

    private static byte[] base64Key(String text) {
        try {
            return java.util.Base64.getDecoder().decode(text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("secrets keys are base64 (of 32 random bytes)");
        }
    }

    /** Without --secrets-key: a key of its own derived from the token signing secret, so one secret suffices. */
    private static byte[] derivedKey(byte[] tokenSecret) {
        try {
            java.security.MessageDigest sha256 = java.security.MessageDigest.getInstance("SHA-256");
            sha256.update("plantline channel secrets:".getBytes(StandardCharsets.UTF_8));
            return sha256.digest(tokenSecret);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static byte[] randomSecret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return secret;
    }
}
