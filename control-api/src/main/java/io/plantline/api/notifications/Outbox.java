package io.plantline.api.notifications;

import io.plantline.api.db.Database;
import io.plantline.api.http.Json;
import io.plantline.api.organisations.OrganisationZones;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The deliveries still to make, in {@code notification_deliveries}: {@link #enqueue} turns an event into one row per
 * subscription it passes, in the caller's transaction (so an event is queued exactly when what caused it commits);
 * the senders {@link #claim} rows that are due and record how each attempt went.
 *
 * <p>Each (event, subscription) gets one row, so an event read twice is queued once. A row due later than now (quiet
 * hours, minimum interval) is held; a newer event of the same key takes its place in that row, which counts the
 * events it stands for and since when, so a sensor that flaps once a second adds no row per event to the delivery log.
 * An event older than the held one it would replace is one the row stands for already (the notifier reads records
 * again after a restart), or a late one it adds nothing to: it is left out.
 */
final class Outbox {

    /** A claimed row: its sending must finish within this, or another sender takes it over. */
    static final Duration LEASE = Duration.ofMinutes(2);
    private static final String SUBSCRIPTIONS = "SELECT s.* FROM notification_subscriptions s WHERE s.org_slug = ?"
            + " AND ? = ANY (s.event_types) AND (s.group_id IS NULL OR EXISTS (SELECT 1 FROM device_group_members m"
            + " WHERE m.org_slug = s.org_slug AND m.group_id = s.group_id AND m.device_id = ?))";

    /** A row claimed for sending, {@code attempts} counting this attempt. */
    record Claimed(UUID deliveryId, String orgSlug, UUID channelId, UUID subscriptionId, NotificationEvent event,
                   int mergedCount, Instant mergedSince, int attempts) {
    }

    private record Held(UUID deliveryId, Instant mergedSince, Instant occurredAt, Instant due) {
    }

    private Outbox() {
    }

    /** Queues {@code event} for every subscription of its organisation that it passes. */
    static void enqueue(Database.Tx tx, NotificationEvent event, Instant now) throws SQLException {
        ZoneId zone = OrganisationZones.of(tx, event.orgSlug()).orElse(null);
        if (zone == null) {
            return;
        }
        for (Subscription subscription : tx.list(SUBSCRIPTIONS, NotificationStore::subscription, event.orgSlug(),
                event.type(), event.deviceId())) {
            if (subscription.accepts(event)) {
                schedule(tx, subscription, event, now, zone);
            }
        }
    }

    /** A channel's test message, due at once, outside every subscription's limits. */
    static UUID enqueueTest(Database.Tx tx, UUID channelId, NotificationEvent event, Instant now) throws SQLException {
        UUID deliveryId = UUID.randomUUID();
        insert(tx, deliveryId, channelId, null, event, now, now);
        return deliveryId;
    }

    /**
     * Queues {@code event} for the organisation's first mail channel, outside every subscription (a mail to one
     * person, such as a report's requester), so it is retried like any message of that channel; false when the
     * organisation has no mail channel.
     */
    static boolean enqueueMail(Database.Tx tx, NotificationEvent event, Instant now) throws SQLException {
        Optional<UUID> channelId = tx.one("SELECT channel_id FROM notification_channels WHERE org_slug = ?"
                + " AND type = 'email' ORDER BY created_at, channel_id LIMIT 1", row -> row.getObject(1, UUID.class),
                event.orgSlug());
        if (channelId.isPresent()) {
            insert(tx, UUID.randomUUID(), channelId.get(), null, event, now, now);
        }
        return channelId.isPresent();
    }

    private static void schedule(Database.Tx tx, Subscription subscription, NotificationEvent event, Instant now,
                                 ZoneId zone) throws SQLException {
        UUID subscriptionId = subscription.subscriptionId();
        if (tx.one("SELECT 1 FROM notification_deliveries WHERE subscription_id = ? AND event_id = ?", row -> 1,
                subscriptionId, event.eventId()).isPresent()) {
            return;
        }
        Instant due = subscription.quietUntil(now, zone).orElse(now);
        Optional<Held> held = tx.one("SELECT delivery_id, merged_since, event ->> 'occurredAt' AS occurred,"
                + " next_attempt_at FROM notification_deliveries WHERE subscription_id = ? AND event_key = ?"
                + " AND status = 'pending' AND attempts = 0 AND next_attempt_at > ? FOR UPDATE", row -> new Held(
                row.getObject("delivery_id", UUID.class), Database.instant(row, "merged_since").orElse(null),
                Instant.parse(row.getString("occurred")),
                row.getTimestamp("next_attempt_at").toInstant()), subscriptionId, event.key(), now);
        if (held.isPresent()) {
            merge(tx, held.get(), event, later(due, held.get().due()));
            return;
        }
        Optional<Instant> free = tx.one("SELECT next_free_at FROM notification_throttle WHERE subscription_id = ?"
                + " AND event_key = ? FOR UPDATE", row -> row.getTimestamp(1).toInstant(), subscriptionId, event.key());
        due = later(due, free.orElse(due));
        tx.update("INSERT INTO notification_throttle (org_slug, subscription_id, event_key, next_free_at)"
                + " VALUES (?, ?, ?, ?) ON CONFLICT (subscription_id, event_key) DO UPDATE SET next_free_at ="
                + " EXCLUDED.next_free_at", event.orgSlug(), subscriptionId, event.key(),
                due.plusSeconds(subscription.minIntervalSeconds()));
        insert(tx, UUID.randomUUID(), subscription.channelId(), subscriptionId, event, due, now);
    }

    /** The held row now carries {@code event}, and counts the one it carried among those it stands for. */
    private static void merge(Database.Tx tx, Held held, NotificationEvent event, Instant due) throws SQLException {
        if (event.occurredAt().isBefore(held.occurredAt())) {
            return;
        }
        tx.update("UPDATE notification_deliveries SET event_id = ?, event_type = ?, event = ?::jsonb,"
                + " merged_count = merged_count + 1, merged_since = ?, next_attempt_at = ? WHERE delivery_id = ?",
                event.eventId(), event.type(), Json.write(event),
                held.mergedSince() != null ? held.mergedSince() : held.occurredAt(), due, held.deliveryId());
    }

    private static void insert(Database.Tx tx, UUID deliveryId, UUID channelId, UUID subscriptionId,
                               NotificationEvent event, Instant due, Instant now) throws SQLException {
        tx.update("INSERT INTO notification_deliveries (delivery_id, org_slug, channel_id, subscription_id, event_id,"
                + " event_type, event_key, event, status, next_attempt_at, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, 'pending', ?, ?) ON CONFLICT DO NOTHING",
                deliveryId, event.orgSlug(), channelId, subscriptionId, event.eventId(), event.type(), event.key(),
                Json.write(event), due, now);
    }

    /**
     * Up to {@code limit} due rows, each leased to the caller for {@link #LEASE}: at most one per channel in a round,
     * and none of the channels in {@code full} (as many sends under way as they may have).
     */
    static List<Claimed> claim(Database database, Instant now, int limit, Collection<UUID> full) {
        return database.list("UPDATE notification_deliveries SET attempts = attempts + 1, next_attempt_at = ?"
                + " WHERE delivery_id IN (SELECT d.delivery_id FROM notification_deliveries d WHERE d.delivery_id IN"
                + " (SELECT delivery_id FROM (SELECT x.delivery_id, row_number() OVER (PARTITION BY x.channel_id ORDER BY"
                + " x.next_attempt_at) AS nth FROM notification_deliveries x WHERE x.status = 'pending'"
                + " AND x.next_attempt_at <= ? AND x.channel_id::text <> ALL (?))"
                + " AS ranked WHERE nth = 1) AND d.status = 'pending' AND d.next_attempt_at <= ?"
                + " ORDER BY d.next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED)"
                + " RETURNING delivery_id, org_slug, channel_id, subscription_id, event, merged_count, merged_since,"
                + " attempts",
                Outbox::claimed, now.plus(LEASE), now, texts(full), now, limit);
    }

    private static String[] texts(Collection<UUID> ids) {
        return ids.stream().map(UUID::toString).toArray(String[]::new);
    }

    static void delivered(Database database, Claimed claimed, Instant now) {
        database.transaction(tx -> {
            tx.update("UPDATE notification_deliveries SET status = 'delivered', delivered_at = ?, last_error = NULL"
                    + " WHERE delivery_id = ?", now, claimed.deliveryId());
            tx.update("UPDATE notification_channels SET consecutive_failures = 0, last_error = NULL WHERE org_slug = ?"
                    + " AND channel_id = ?", claimed.orgSlug(), claimed.channelId());
            return null;
        });
    }

    /** An attempt failed: tried again at {@code retryAt}, or failed for good when that is empty. */
    static void attemptFailed(Database database, Claimed claimed, String error, Optional<Instant> retryAt) {
        database.transaction(tx -> {
            tx.update("UPDATE notification_deliveries SET status = ?, next_attempt_at = coalesce(?, next_attempt_at),"
                    + " last_error = ? WHERE delivery_id = ?", retryAt.isPresent() ? "pending" : "failed",
                    retryAt.orElse(null), error, claimed.deliveryId());
            tx.update("UPDATE notification_channels SET consecutive_failures = consecutive_failures + 1, last_error = ?"
                    + " WHERE org_slug = ? AND channel_id = ?", error, claimed.orgSlug(), claimed.channelId());
            return null;
        });
    }

    /** A claimed row goes back to waiting until {@code until}, its claim not counted as an attempt. */
    static void postpone(Database database, Claimed claimed, Instant until) {
        database.update("UPDATE notification_deliveries SET attempts = attempts - 1, next_attempt_at = ?"
                + " WHERE delivery_id = ?", until, claimed.deliveryId());
    }

    /** Forgets what was sent, failed or cancelled before {@code before}, and minimum intervals that have run out. */
    static void prune(Database database, Instant before) {
        database.transaction(tx -> {
            tx.update("DELETE FROM notification_deliveries WHERE status <> 'pending' AND created_at < ?", before);
            tx.update("DELETE FROM notification_throttle WHERE next_free_at < ?", before);
            return null;
        });
    }

    private static Claimed claimed(ResultSet row) throws SQLException {
        return new Claimed(row.getObject("delivery_id", UUID.class), row.getString("org_slug"),
                row.getObject("channel_id", UUID.class), row.getObject("subscription_id", UUID.class), Json.read(row.getString("event"), NotificationEvent.class),
                row.getInt("merged_count"), Database.instant(row, "merged_since").orElse(null), row.getInt("attempts"));
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
