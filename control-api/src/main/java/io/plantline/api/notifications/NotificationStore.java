package io.plantline.api.notifications;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.api.db.Conditions;
import io.plantline.api.db.Database;
import io.plantline.api.http.Json;
import io.plantline.model.Severity;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Time;
import java.time.Instant;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BinaryOperator;
import java.util.stream.Stream;

/** Channels, subscriptions and the delivery log of an organisation. */
final class NotificationStore {

    /** Delivery log filters; empty means "any". */
    record DeliveryFilter(Optional<UUID> channelId, Optional<String> status, Optional<String> eventType) {
    }

    private final Database database;
    private final SecretBox secrets;

    NotificationStore(Database database, SecretBox secrets) {
        this.database = database;
        this.secrets = secrets;
    }

    List<Channel> channels(String orgSlug, int offset, int limit) {
        return database.list("SELECT * FROM notification_channels WHERE org_slug = ? ORDER BY name LIMIT ? OFFSET ?",
                this::channel, orgSlug, limit, offset);
    }

    long channelCount(String orgSlug) {
        return database.one("SELECT count(*) FROM notification_channels WHERE org_slug = ?", row -> row.getLong(1),
                orgSlug).orElse(0L);
    }

    Optional<Channel> channel(String orgSlug, UUID channelId) {
        return database.one("SELECT * FROM notification_channels WHERE org_slug = ? AND channel_id = ?",
                this::channel, orgSlug, channelId);
    }

    void createChannel(String orgSlug, Channel channel) {
        Channel sealed = withSecrets(orgSlug, channel, secrets::seal);
        database.update("INSERT INTO notification_channels (org_slug, channel_id, name, type, settings, signing_secret,"
                + " created_at) VALUES (?, ?, ?, ?, ?::jsonb, ?, ?)", orgSlug, channel.channelId(), channel.name(),
                channel.type(), Json.write(sealed.settings()), sealed.signingSecret(), channel.createdAt());
    }

    /**
     * Seals again every channel secret not sealed under the current key: those stored in plain text before secrets
     * were sealed, and those sealed under a previous key after a rotation. Returns how many channels changed.
     */
    int resealAll() {
        List<Map.Entry<String, Channel>> stale = database.list("SELECT * FROM notification_channels",
                row -> Map.entry(row.getString("org_slug"), rawChannel(row))).stream()
                .filter(entry -> sealedValues(entry.getValue()).anyMatch(value -> !secrets.isCurrent(value))).toList();
        for (Map.Entry<String, Channel> entry : stale) {
            String orgSlug = entry.getKey();
            Channel plain = withSecrets(orgSlug, entry.getValue(), secrets::open);
            Channel resealed = withSecrets(orgSlug, plain, secrets::seal);
            database.update("UPDATE notification_channels SET settings = ?::jsonb, signing_secret = ? WHERE org_slug = ?"
                    + " AND channel_id = ?", Json.write(resealed.settings()), resealed.signingSecret(), orgSlug,
                    plain.channelId());
        }
        return stale.size();
    }

    /** {@code transform} (seal or open) applied to the channel's secrets, each with its own context. */
    private static Channel withSecrets(String orgSlug, Channel channel, BinaryOperator<String> transform) {
        String context = orgSlug + "/" + channel.channelId() + "/";
        JsonNode settings = channel.settings();
        if (settings.path("headers").isObject()) {
            ObjectNode copy = settings.deepCopy();
            ObjectNode headers = (ObjectNode) copy.get("headers");
            headers.fieldNames().forEachRemaining(name -> headers.put(name,
                    transform.apply(headers.get(name).asText(), context + "header:" + name)));
            settings = copy;
        }
        String secret = channel.signingSecret() == null ? null
                : transform.apply(channel.signingSecret(), context + "signingSecret");
        return new Channel(channel.channelId(), channel.name(), channel.type(), settings, channel.healthy(),
                channel.consecutiveFailures(), channel.lastError(), null, channel.createdAt(), secret);
    }

    private static Stream<String> sealedValues(Channel channel) {
        Stream.Builder<String> values = Stream.builder();
        if (channel.signingSecret() != null) {
            values.add(channel.signingSecret());
        }
        channel.settings().path("headers").elements().forEachRemaining(value -> values.add(value.asText()));
        return values.build();
    }

    boolean deleteChannel(String orgSlug, UUID channelId) {
        return database.update("DELETE FROM notification_channels WHERE org_slug = ? AND channel_id = ?", orgSlug,
                channelId) == 1;
    }

    List<Subscription> subscriptions(String orgSlug, int offset, int limit) {
        return database.list("SELECT * FROM notification_subscriptions WHERE org_slug = ? ORDER BY created_at,"
                + " subscription_id LIMIT ? OFFSET ?", NotificationStore::subscription, orgSlug, limit, offset);
    }

    long subscriptionCount(String orgSlug) {
        return database.one("SELECT count(*) FROM notification_subscriptions WHERE org_slug = ?", row -> row.getLong(1),
                orgSlug).orElse(0L);
    }

    Optional<Subscription> subscription(String orgSlug, UUID subscriptionId) {
        return database.one("SELECT * FROM notification_subscriptions WHERE org_slug = ? AND subscription_id = ?",
                NotificationStore::subscription, orgSlug, subscriptionId);
    }

    void createSubscription(String orgSlug, Subscription subscription) {
        database.update("INSERT INTO notification_subscriptions (org_slug, subscription_id, channel_id, event_types,"
                + " min_severity, group_id, rule_id, quiet_from, quiet_to, min_interval_s, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", orgSlug, subscription.subscriptionId(),
                subscription.channelId(), subscription.eventTypes().toArray(String[]::new),
                subscription.minSeverity() == null ? null : subscription.minSeverity().name(), subscription.groupId(),
                subscription.ruleId(), time(subscription.quietFrom()), time(subscription.quietTo()),
                subscription.minIntervalSeconds(), subscription.createdAt());
    }

    /** Deletes the subscription and cancels what it still had to send (queued, held, or waiting for a retry). */
    boolean deleteSubscription(String orgSlug, UUID subscriptionId) {
        return database.transaction(tx -> {
            tx.update("UPDATE notification_deliveries SET status = 'cancelled', last_error = 'the subscription was"
                    + " deleted' WHERE org_slug = ? AND subscription_id = ? AND status = 'pending'", orgSlug, subscriptionId);
            tx.update("DELETE FROM notification_throttle WHERE org_slug = ? AND subscription_id = ?", orgSlug,
                    subscriptionId);
            return tx.update("DELETE FROM notification_subscriptions WHERE org_slug = ? AND subscription_id = ?",
                    orgSlug, subscriptionId) == 1;
        });
    }

    List<Delivery> deliveries(String orgSlug, DeliveryFilter filter, int offset, int limit) {
        Conditions where = filtered(orgSlug, filter);
        return database.list("SELECT * FROM notification_deliveries WHERE " + where.sql()
                + " ORDER BY created_at DESC, delivery_id LIMIT ? OFFSET ?", NotificationStore::delivery,
                where.values(limit, offset));
    }

    long deliveryCount(String orgSlug, DeliveryFilter filter) {
        Conditions where = filtered(orgSlug, filter);
        return database.one("SELECT count(*) FROM notification_deliveries WHERE " + where.sql(), row -> row.getLong(1),
                where.values()).orElse(0L);
    }

    Optional<Delivery> delivery(String orgSlug, UUID deliveryId) {
        return database.one("SELECT * FROM notification_deliveries WHERE org_slug = ? AND delivery_id = ?",
                NotificationStore::delivery, orgSlug, deliveryId);
    }

    private static Conditions filtered(String orgSlug, DeliveryFilter filter) {
        return new Conditions().and("org_slug = ?", orgSlug)
                .andIf(filter.channelId(), "channel_id = ?")
                .andIf(filter.status(), "status = ?")
                .andIf(filter.eventType(), "event_type = ?");
    }

    private Channel channel(ResultSet row) throws SQLException {
        return withSecrets(row.getString("org_slug"), rawChannel(row), secrets::open);
    }

    /** The channel as stored, its secrets sealed. */
    private static Channel rawChannel(ResultSet row) throws SQLException {
        int failures = row.getInt("consecutive_failures");
        return new Channel(row.getObject("channel_id", UUID.class), row.getString("name"), row.getString("type"),
                json(row.getString("settings")), failures < Channel.UNHEALTHY_AFTER, failures,
                row.getString("last_error"), null, row.getTimestamp("created_at").toInstant(),
                row.getString("signing_secret"));
    }

    static Subscription subscription(ResultSet row) throws SQLException {
        Array types = row.getArray("event_types");
        String severity = row.getString("min_severity");
        return new Subscription(row.getObject("subscription_id", UUID.class), row.getObject("channel_id", UUID.class),
                Arrays.asList((String[]) types.getArray()), severity == null ? null : Severity.valueOf(severity),
                row.getString("group_id"), row.getString("rule_id"), localTime(row, "quiet_from"),
                localTime(row, "quiet_to"), row.getInt("min_interval_s"), row.getTimestamp("created_at").toInstant());
    }

    private static Delivery delivery(ResultSet row) throws SQLException {
        String subscription = row.getString("subscription_id");
        return new Delivery(row.getObject("delivery_id", UUID.class), row.getObject("channel_id", UUID.class),
                subscription == null ? null : UUID.fromString(subscription), row.getString("event_id"),
                row.getString("event_type"), row.getString("status"), row.getInt("attempts"), row.getInt("merged_count"),
                Database.instant(row, "merged_since").orElse(null), row.getTimestamp("next_attempt_at").toInstant(),
                row.getString("last_error"), row.getTimestamp("created_at").toInstant(),
                Database.instant(row, "delivered_at").orElse(null), json(row.getString("event")));
    }

    private static LocalTime localTime(ResultSet row, String column) throws SQLException {
        Time time = row.getTime(column);
        return time == null ? null : time.toLocalTime();
    }

    private static Time time(LocalTime time) {
        return time == null ? null : Time.valueOf(time);
    }

    private static JsonNode json(String text) {
        return Json.read(text, JsonNode.class);
    }
}
