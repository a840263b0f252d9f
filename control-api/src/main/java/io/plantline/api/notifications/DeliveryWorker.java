package io.plantline.api.notifications;

import io.plantline.api.ApiOptions;
import io.plantline.api.db.Database;
import io.plantline.api.organisations.OrganisationZones;
import io.plantline.concurrent.DaemonThreads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the due deliveries of every organisation: claims as many as it has free senders ({@code SKIP LOCKED}, so
 * several API servers share the work), sends each on its own thread, and records the outcome. A failed attempt is
 * retried after {@code retryBase} x 2^(attempt - 1), at most an hour, until {@code maxAttempts}; then the delivery
 * has failed. A failure no retry can mend (a refused destination, a sender that throws) fails the delivery at once;
 * either way it counts against the channel's health. Channels are isolated: a claim round takes at most one message
 * per channel, a channel has at most {@code channelConcurrency} sends under way on this server, and its
 * {@link ChannelBreakers circuit breaker} stops sending through it once its attempts keep failing: a message claimed
 * while the breaker is open goes back to wait for the cool-down, its claim not counted as an attempt. So a receiver
 * that hangs holds at most {@code channelConcurrency} senders, and none once its breaker is open. Every hour, messages
 * no longer pending that are older than {@code retention} leave the delivery log.
 *
 * <p>{@link #close()} stops claiming and lets the sends under way finish (and be recorded), so a clean restart sends
 * nothing twice; after a crash, a claimed delivery is sent again once its lease ends ({@link Outbox#LEASE}), with the
 * same idempotency key.
 */
final class DeliveryWorker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryWorker.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration MAX_PAUSE = Duration.ofHours(1);
    private static final Duration PRUNE_EVERY = Duration.ofHours(1);
    private static final int MAX_ERROR = 500;

    private final Database database;
    private final NotificationStore store;
    private final Map<String, Sender> senders;
    private final Links links;
    private final ChannelBreakers breakers;
    private final Clock clock;
    private final int channelConcurrency;
    private final Duration coolDown;
    private final int maxAttempts;
    private final Duration retryBase;
    private final Duration retention;
    private final Semaphore free;
    private final Map<UUID, AtomicInteger> underWay = new ConcurrentHashMap<>();
    private final ExecutorService sending;
    private final ScheduledExecutorService polling =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("notification-claims"));

    /** Where a message's link points: the alert or roll-out in the API. */
    interface Links {
        Optional<String> of(NotificationEvent event);
    }

    DeliveryWorker(Database database, NotificationStore store, Map<String, Sender> senders, Links links,
                   ChannelBreakers breakers, Clock clock, ApiOptions.Notifications options) {
        this.database = database;
        this.store = store;
        this.senders = Map.copyOf(senders);
        this.links = links;
        this.breakers = breakers;
        this.clock = clock;
        this.channelConcurrency = options.channelConcurrency();
        this.coolDown = options.breaker().coolDown();
        this.maxAttempts = options.maxAttempts();
        this.retryBase = options.retryBase();
        this.retention = options.retention();
        this.free = new Semaphore(options.senders());
        this.sending = Executors.newFixedThreadPool(options.senders(), DaemonThreads.numbered("notification-sender"));
    }

    void start() {
        polling.scheduleWithFixedDelay(this::claimDue, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
        polling.scheduleWithFixedDelay(this::prune, 0, PRUNE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void prune() {
        try {
            Outbox.prune(database, clock.instant().minus(retention));
        } catch (RuntimeException e) {
            LOG.warn("pruning the delivery log failed; trying again in {}", PRUNE_EVERY, e);
        }
    }

    /** Claims due deliveries while senders are free; a sender that finishes asks again at once. */
    private void claimDue() {
        while (true) {
            int permits = free.drainPermits();
            if (permits == 0) {
                return;
            }
            List<Outbox.Claimed> claimed;
            try {
                claimed = Outbox.claim(database, clock.instant(), permits, fullChannels());
            } catch (RuntimeException e) {
                free.release(permits);
                LOG.warn("claiming due notifications failed; retrying", e);
                return;
            }
            free.release(permits - claimed.size());
            if (claimed.isEmpty()) {
                return;
            }
            for (Outbox.Claimed delivery : claimed) {
                AtomicInteger channelSends = underWay.computeIfAbsent(delivery.channelId(), id -> new AtomicInteger());
                channelSends.incrementAndGet();
                sending.execute(() -> {
                    try {
                        attempt(delivery);
                    } finally {
                        channelSends.decrementAndGet();
                        free.release();
                        claimAgain();
                    }
                });
            }
        }
    }

    private Set<UUID> fullChannels() {
        return underWay.entrySet().stream().filter(entry -> entry.getValue().get() >= channelConcurrency)
                .map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    private void claimAgain() {
        try {
            polling.execute(this::claimDue);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing: nothing more is claimed
        }
    }

    private void attempt(Outbox.Claimed delivery) {
        try {
            Optional<Channel> channel = store.channel(delivery.orgSlug(), delivery.channelId());
            if (channel.isEmpty()) {
                return; // deleted meanwhile; its deliveries went with it
            }
            Optional<Instant> quietUntil = quietUntil(delivery);
            if (quietUntil.isPresent()) {
                Outbox.postpone(database, delivery, quietUntil.get());
                return;
            }
            if (!breakers.admits(delivery.channelId())) {
                Outbox.postpone(database, delivery, clock.instant().plus(coolDown));
                return;
            }
            Outgoing message = new Outgoing(delivery.deliveryId(), delivery.event(), delivery.mergedCount(),
                    delivery.mergedSince(), links.of(delivery.event()));
            long started = System.nanoTime();
            try {
                send(channel.get(), message);
                breakers.succeeded(delivery.channelId(), Duration.ofNanos(System.nanoTime() - started));
                Outbox.delivered(database, delivery, clock.instant());
            } catch (Sender.DeliveryFailure failure) {
                breakers.failed(delivery.channelId(), Duration.ofNanos(System.nanoTime() - started), failure);
                String error = clip(failure.getMessage());
                Optional<Instant> retryAt = failure.permanent() || delivery.attempts() >= maxAttempts ? Optional.empty()
                        : Optional.of(clock.instant().plus(pause(delivery.attempts())));
                LOG.info("notification {} to channel {} failed (attempt {} of {}): {}", delivery.deliveryId(),
                        channel.get().name(), delivery.attempts(), maxAttempts, error);
                Outbox.attemptFailed(database, delivery, error, retryAt);
            }
        } catch (RuntimeException e) {
            // The database is unreachable: the lease runs out and the delivery is claimed again.
            LOG.warn("recording notification {} failed; it is retried when its lease ends", delivery.deliveryId(), e);
        }
    }

    /** When the subscription's quiet hours end, if they hold now: a retry or a delayed message may fall into them. */
    private Optional<Instant> quietUntil(Outbox.Claimed delivery) {
        if (delivery.subscriptionId() == null) {
            return Optional.empty(); // a channel's test message
        }
        Instant now = clock.instant();
        return store.subscription(delivery.orgSlug(), delivery.subscriptionId())
                .flatMap(subscription -> OrganisationZones.of(database, delivery.orgSlug())
                        .flatMap(zone -> subscription.quietUntil(now, zone)));
    }

    /**
     * A sender that throws rather than failing (a stored setting no request can be built from) would throw the same
     * on every retry: that is a permanent failure of the channel, not of the database.
     */
    private void send(Channel channel, Outgoing message) throws Sender.DeliveryFailure {
        try {
            senders.get(channel.type()).send(channel, message);
        } catch (RuntimeException e) {
            LOG.warn("notification {} cannot be sent through channel {}", message.deliveryId(), channel.name(), e);
            throw new Sender.DeliveryFailure("the message cannot be sent through this channel", true);
        }
    }

    private Duration pause(int attempts) {
        Duration pause = retryBase.multipliedBy(1L << Math.min(attempts - 1, 20));
        return pause.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause;
    }

    private static String clip(String text) {
        return text.length() > MAX_ERROR ? text.substring(0, MAX_ERROR - 3) + "..." : text;
    }

    @Override
    public void close() throws InterruptedException {
        polling.shutdown();
        polling.awaitTermination(30, TimeUnit.SECONDS);
        sending.shutdown();
        if (!sending.awaitTermination(WebhookSender.TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS)) {
            sending.shutdownNow();
        }
    }
}
