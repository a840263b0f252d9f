package io.plantline.api.notifications;

import io.plantline.api.ApiOptions;
import io.plantline.api.db.Database;
import io.plantline.api.http.ApiRoutes;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Notifications, run inside each control API server: the {@link AlertNotifier} queues alert changes from Kafka, the
 * roll-outs queue their pauses and ends in their own transactions ({@link #queue}), and the {@link DeliveryWorker}
 * sends what is due by mail, webhook or SMS gateway. Several API servers share the work: the notifier through its
 * Kafka consumer group, the senders through {@code SKIP LOCKED} claims.
 */
public final class Notifications implements AutoCloseable {

    private static final Duration ASSIGNMENT_WAIT = Duration.ofSeconds(30);
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Notifications.class);

    private final NotificationRoutes routes;
    private final AlertNotifier notifier;
    private final DeliveryWorker worker;
    private final GuardedHttp http;

    /**
     * @param apiBase the API's public address ({@code http://host:port/api/v1}); messages link to the console beside it
     */
    public Notifications(Database database, ApiOptions.Notifications options, Mailer mailer, String kafkaBootstrap,
                         Supplier<String> apiBase, Clock clock) {
        NotificationStore store = new NotificationStore(database, new SecretBox(options.secretsKey(),
                options.previousSecretsKeys()));
        int resealed = store.resealAll();
        if (resealed > 0) {
            LOG.info("sealed the secrets of {} notification channels under the current secrets key", resealed);
        }
        DestinationPolicy destinations = new DestinationPolicy(options.allowPrivateDestinations());
        this.http = new GuardedHttp(destinations, WebhookSender.TIMEOUT);
        ChannelBreakers breakers = new ChannelBreakers(options.breaker(), clock);
        this.routes = new NotificationRoutes(database, store, breakers, options.allowHttp(), destinations, clock);
        this.notifier = new AlertNotifier(kafkaBootstrap, database, clock);
        this.worker = new DeliveryWorker(database, store, Map.of("email", new EmailSender(mailer),
                "webhook", new WebhookSender(http, clock), "sms", new SmsSender(http)),
                event -> link(apiBase.get(), event), breakers, clock, options);
    }

    public void register(ApiRoutes apiRoutes) {
        routes.register(apiRoutes);
    }

    /** Starts reading alerts (returning once this server has its partitions) and sending. */
    public void start() throws InterruptedException {
        notifier.start(ASSIGNMENT_WAIT);
        worker.start();
    }

    /** Queues {@code event} for its organisation's subscriptions, in the transaction of what caused it. */
    public static void queue(Database.Tx tx, NotificationEvent event, Instant now) throws SQLException {
        Outbox.enqueue(tx, event, now);
    }

    /**
     * Queues a mail to one person (a {@link NotificationEvent#reportReady report-ready} event's recipient) through the
     * organisation's first mail channel, in the transaction of what caused it; false when it has no mail channel.
     */
    public static boolean mail(Database.Tx tx, NotificationEvent event, Instant now) throws SQLException {
        return Outbox.enqueueMail(tx, event, now);
    }

    /**
     * The console's page of the alert or roll-out: a person opens the link in a browser, where the JSON API is 401;
     * a ready report's signed download link, which needs no login.
     */
    private static Optional<String> link(String apiBase, NotificationEvent event) {
        Object download = event.details().get(NotificationEvent.DOWNLOAD);
        if (download != null) {
            return Optional.of(download.toString());
        }
        String console = apiBase.substring(0, apiBase.length() - ApiRoutes.BASE.length()) + "/#/";
        Object alertId = event.details().get("alertId");
        Object deploymentId = event.details().get("deploymentId");
        if (alertId != null) {
            return Optional.of(console + "alerts/" + encoded(alertId));
        }
        return deploymentId == null ? Optional.empty() : Optional.of(console + "rollouts/" + encoded(deploymentId));
    }

    private static String encoded(Object id) {
        return java.net.URLEncoder.encode(id.toString(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        notifier.close();
        worker.close();
        http.close();
    }
}
