package io.plantline.api;

import io.plantline.api.alerts.AlertRoutes;
import io.plantline.api.alerts.AlertStore;
import io.plantline.api.alerts.AlertStream;
import io.plantline.api.alerts.LiveChannels;
import io.plantline.api.auth.AccessTokens;
import io.plantline.api.auth.AuthRoutes;
import io.plantline.api.auth.FirstAdmin;
import io.plantline.api.auth.PasswordHasher;
import io.plantline.api.auth.RefreshTokens;
import io.plantline.api.auth.UserRoutes;
import io.plantline.api.auth.UserStore;
import io.plantline.api.db.Database;
import io.plantline.api.devices.BrokerAccounts;
import io.plantline.api.devices.DeviceApiRoutes;
import io.plantline.api.devices.DeviceKeyAuth;
import io.plantline.api.devices.DeviceRoutes;
import io.plantline.api.devices.DeviceSettingsWriter;
import io.plantline.api.devices.DeviceStore;
import io.plantline.api.devices.LatestMinutes;
import io.plantline.api.groups.GroupRoutes;
import io.plantline.api.groups.GroupStore;
import io.plantline.api.history.OeeHistory;
import io.plantline.api.history.OeeHistoryRoutes;
import io.plantline.api.shifts.CalendarRoutes;
import io.plantline.api.shifts.DeviceCalendars;
import io.plantline.api.stops.LossRoutes;
import io.plantline.api.stops.StopReasonRoutes;
import io.plantline.api.stops.StopRoutes;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.AuditLog;
import io.plantline.api.http.ClientAddresses;
import io.plantline.api.http.ConsoleFiles;
import io.plantline.api.http.CorsPolicy;
import io.plantline.api.http.RateLimiter;
import io.plantline.api.http.Reply;
import io.plantline.api.ingest.IngestRoutes;
import io.plantline.api.jobs.FlinkRestClient;
import io.plantline.api.jobs.JobRoutes;
import io.plantline.api.jobs.RetentionRisk;
import io.plantline.api.kpis.KpiRoutes;
import io.plantline.api.kpis.LineOee;
import io.plantline.api.kpis.RetentionHorizon;
import io.plantline.api.mqtt.MosquittoAccounts;
import io.plantline.api.notifications.Mailer;
import io.plantline.api.notifications.Notifications;
import io.plantline.api.organisations.OrganisationRoutes;
import io.plantline.api.organisations.PlatformOrganisation;
import io.plantline.api.ota.DeploymentRoutes;
import io.plantline.api.ota.DeploymentStore;
import io.plantline.api.ota.DownloadLinks;
import io.plantline.api.ota.FirmwareCheck;
import io.plantline.api.ota.FirmwareRoutes;
import io.plantline.api.ota.FirmwareStore;
import io.plantline.api.ota.Rollouts;
import io.plantline.api.partitions.PartitionMaintenance;
import io.plantline.api.profiles.ProfileRoutes;
import io.plantline.api.profiles.ProfileStore;
import io.plantline.api.reports.Reports;
import io.plantline.api.rules.RuleRoutes;
import io.plantline.api.rules.RuleStore;
import io.plantline.model.Limits;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.shifts.ShiftCalendar;
import io.plantline.sql.SchemaMigration;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import spark.Service;

/**
 * The control API server: applies the schema migrations, connects to PostgreSQL and Kafka, declares the live
 * WebSocket and then every resource's routes on its own sparkjava service (so tests and the local stack can run
 * several), and listens. {@link #close()} stops it all in reverse order.
 */
public final class ControlApi implements AutoCloseable {

    public static final String WEBSOCKET_PATH = ApiRoutes.BASE + "/ws";
    private static final int MAX_THREADS = 64;
    /** A request to Kafka still pending at stop (a slow {@code /jobs}) is abandoned after this. */
    private static final Duration KAFKA_ADMIN_CLOSE = Duration.ofSeconds(2);

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final Service http;
    private final ApiRoutes routes;
    private final Database database;
    private final PasswordHasher hasher;
    private final CalendarRoutes calendars;
    private final StopReasonRoutes stopReasons;
    private final DeviceSettingsWriter settings;

    private ControlApi(ApiOptions options, Clock clock) {
        database = register(new Database(options.database(), options.databasePoolSize(), options.statementTimeout()));
        SchemaMigration.apply(database.dataSource());
        ApiKafka kafka = register(new ApiKafka(options.kafkaBootstrap()));
        hasher = new PasswordHasher(options.bcryptCost());
        UserStore users = new UserStore(database);
        RefreshTokens refreshTokens = new RefreshTokens(database, options.refreshTokenLifetime(), options.sessionLifetime(),
                clock);
        AccessTokens accessTokens = new AccessTokens(options.tokenSecret(), options.accessTokenLifetime(), clock, users,
                refreshTokens);
        LatestMinutes latestMinutes = new LatestMinutes(database, clock);
        AlertStream alertStream = register(new AlertStream(accessTokens, options.kafkaBootstrap(),
                options.webSockets().heartbeat(), options.webSockets().idleTimeout(),
                new LiveChannels(database, latestMinutes, new LineOee(database, clock)), options.webSockets().messagesPerSecond()));
        alertStream.start();

        // Jetty would otherwise take any client's X-Forwarded-For as its address; only trusted proxies may name it.
        http = Service.ignite().port(options.port()).threadPool(MAX_THREADS).untrustForwardHeaders();
        CompletableFuture<Exception> startFailure = new CompletableFuture<>();
        // Without this handler sparkjava calls System.exit when the port is taken.
        http.initExceptionHandler(startFailure::complete);
        // WebSocket routes must be declared before any HTTP route or filter (sparkjava).
        http.webSocket(WEBSOCKET_PATH, alertStream);
        http.webSocketIdleTimeoutMillis(options.webSockets().idleTimeout().toMillis() * 2);
        new CorsPolicy(options.corsOrigins()).apply(http);
        AuditLog auditLog = register(new AuditLog(database, options.edge().auditRetention(), clock));
        auditLog.start();
        routes = new ApiRoutes(http, accessTokens, new RateLimiter(options.edge().addressRequestsPerMinute()),
                new ClientAddresses(options.edge().trustedProxies()), new RateLimiter(options.userRequestsPerMinute()),
                auditLog, options.maxBodyBytes());

        DeviceStore devices = new DeviceStore(database, clock);
        RuleStore rules = new RuleStore(database, kafka);
        ProfileStore profiles = new ProfileStore(database);
        DeviceCalendars deviceCalendars = new DeviceCalendars();
        OeeHistory oeeHistory = register(new OeeHistory(database, deviceCalendars, clock));
        PartitionMaintenance partitions = register(new PartitionMaintenance(database, options.kpiRetention(), clock));
        settings = new DeviceSettingsWriter(devices, profiles, deviceCalendars, oeeHistory, kafka, clock);
        new AuthRoutes(users, hasher, accessTokens, refreshTokens, new RateLimiter(options.loginsPerMinute()), clock)
                .register(routes);
        new UserRoutes(users, hasher, accessTokens, refreshTokens, new RateLimiter(options.loginsPerMinute())).register(routes);
        PlatformOrganisation platform = new PlatformOrganisation(options.platformOrg());
        new OrganisationRoutes(database, users, hasher, platform, settings).register(routes);
        BrokerAccounts brokerAccounts = options.mosquitto().<BrokerAccounts>map(mosquitto -> register(MosquittoAccounts.start(
                        mosquitto.host(), mosquitto.port(), mosquitto.adminUser(), mosquitto.adminPassword(),
                        mosquitto.services(), database)))
                .orElse(BrokerAccounts.REGISTRY_ONLY);
        new DeviceRoutes(database, devices, settings, rules, brokerAccounts, profiles, clock).register(routes);
        new ProfileRoutes(database, profiles).register(routes);
        GroupStore groups = new GroupStore(database);
        new GroupRoutes(database, groups, devices, settings, deviceCalendars, rules, clock).register(routes);
        calendars = new CalendarRoutes(database, groups, settings, oeeHistory, clock);
        calendars.register(routes);
        stopReasons = new StopReasonRoutes(database);
        stopReasons.register(routes);
        new StopRoutes(database).register(routes);
        RetentionHorizon horizon = new RetentionHorizon(options.kpiRetention(), clock);
        new LossRoutes(database, horizon).register(routes);
        new OeeHistoryRoutes(oeeHistory).register(routes);
        new RuleRoutes(database, rules).register(routes);
        new AlertRoutes(database, new AlertStore(database), kafka, clock).register(routes);
        new KpiRoutes(database, horizon).register(routes);
        DeviceKeyAuth deviceAuth = new DeviceKeyAuth(devices);
        new IngestRoutes(deviceAuth, profiles, kafka, new DeviceMessageCodec(options.maxIngestBytes(), Limits.DEFAULT_MAX_CLOCK_LEAD),
                options.maxIngestBytes(), clock).register(routes);
        DownloadLinks downloadLinks = new DownloadLinks(options.tokenSecret(), options.ota().downloadLinkLifetime(), clock,
                options.ota().publicUrl(), http::port);
        FirmwareStore firmware = new FirmwareStore(database);
        FirmwareRoutes firmwareRoutes = new FirmwareRoutes(firmware, downloadLinks, options.ota(), clock);
        firmwareRoutes.register(routes);
        DeploymentStore deployments = new DeploymentStore(database);
        Rollouts rollouts = register(new Rollouts(database, deployments, firmware, downloadLinks, kafka, clock));
        new DeploymentRoutes(database, deployments, firmwareRoutes, devices, groups, rollouts, clock).register(routes);
        new FirmwareCheck(database, deviceAuth, firmware, downloadLinks).register(routes);
        new DeviceApiRoutes(latestMinutes, devices, deviceAuth, clock).register(routes);
        Admin kafkaAdmin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.kafkaBootstrap()));
        register((AutoCloseable) () -> kafkaAdmin.close(KAFKA_ADMIN_CLOSE));
        new JobRoutes(options.flinkRestUrl().map(FlinkRestClient::new), options.jobJar(), platform, database,
                new RetentionRisk(kafkaAdmin, options.retentionWarningPercent()), clock).register(routes);
        Supplier<String> apiBase = () -> options.ota().publicUrl().orElseGet(() -> "http://127.0.0.1:" + http.port())
                + ApiRoutes.BASE;
        Mailer mailer = new Mailer(options.notifications().smtp());
        Notifications notifications = register(new Notifications(database, options.notifications(), mailer,
                options.kafkaBootstrap(), apiBase, clock));
        notifications.register(routes);
        Reports reports = register(new Reports(database, options.reports(), options.tokenSecret(), apiBase, horizon, clock));
        reports.register(routes);
        String openApi = openApiDocument();
        routes.open("GET", "/openapi.json", 0, call -> new Reply.Document(openApi));
        // For load balancers and compose healthchecks: up means it can reach PostgreSQL.
        routes.open("GET", "/health", 0, call -> Map.of("status", "up",
                "database", database.one("SELECT 1", row -> "up").orElse("down")));
        new ConsoleFiles().register(http);
        routes.declareNotFound(WEBSOCKET_PATH);

        http.init();
        http.awaitInitialization();
        rollouts.start(options.ota().rolloutInterval());
        startNotifications(notifications);
        reports.start();
        oeeHistory.start();
        partitions.start();
        if (startFailure.isDone()) {
            close();
            throw new IllegalStateException("the control API could not listen on port " + options.port(), startFailure.join());
        }
    }

    private static void startNotifications(Notifications notifications) {
        try {
            notifications.start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the notifier", e);
        }
    }

    /** Starts the API; on failure, what was started is stopped again. */
    public static ControlApi start(ApiOptions options, Clock clock) {
        return new ControlApi(options, clock);
    }

    public int port() {
        return http.port();
    }

    public List<ApiRoutes.Declared> routes() {
        return routes.declared();
    }

    /** The first admin of {@code orgSlug}, created if missing; see {@link FirstAdmin}. */
    public boolean ensureAdmin(ApiOptions.BootstrapAdmin admin) {
        return FirstAdmin.ensure(database, hasher, admin.orgSlug(), admin.email(), admin.password()).isPresent();
    }

    /**
     * Gives the organisation a shift calendar (from {@code effectiveFrom} on) and a catalogue of stop reasons where it
     * has none, as an admin's {@code PUT /calendar} and {@code PUT /stop-reasons} would; what it has is kept. Then
     * publishes every device's settings as the tables hold them, so the jobs follow them. For local mode's demo.
     */
    public void ensurePlanning(String orgSlug, ShiftCalendar calendar, Instant effectiveFrom,
                               StopReasonRoutes.Catalogue catalogue, String writtenBy) {
        stopReasons.writeIfEmpty(orgSlug, catalogue);
        calendars.writeIfNone(orgSlug, calendar, effectiveFrom, writtenBy);
        database.transaction(tx -> {
            settings.republishAll(tx, orgSlug);
            return null;
        });
    }

    private static String openApiDocument() {
        try (InputStream in = Objects.requireNonNull(ControlApi.class.getResourceAsStream("/openapi.json"), "openapi.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T extends AutoCloseable> T register(T resource) {
        started.push(resource);
        return resource;
    }

    @Override
    public void close() {
        if (http != null) {
            http.stop();
            http.awaitStop();
        }
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(ControlApi.class).warn("error while stopping", e);
            }
        }
    }
}
