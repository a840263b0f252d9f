-- Notifications: where messages go (channels), which events reach which channel (subscriptions), and one delivery
-- row per (event, subscription), which is both the outbox the senders work from and the delivery log.

CREATE TABLE notification_channels (
    org_slug              text NOT NULL REFERENCES organisations (slug) ON DELETE CASCADE,
    channel_id            uuid NOT NULL,
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    type                  text NOT NULL CHECK (type IN ('email', 'webhook', 'sms')),
    -- email: {"to": [...]}; webhook: {"url"}; sms: {"url", "headers", "body", "encoding", "to"}
    settings              jsonb NOT NULL,
    -- The webhook's HMAC key: it signs every request, so it is kept, and shown to the user once.
    signing_secret        text,
    consecutive_failures  integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    last_error            text,
    created_at            timestamptz NOT NULL,
    PRIMARY KEY (org_slug, channel_id),
    UNIQUE (org_slug, name)
);

CREATE TABLE notification_subscriptions (
    org_slug         text NOT NULL,
    subscription_id  uuid NOT NULL,
    channel_id       uuid NOT NULL,
    event_types      text[] NOT NULL CHECK (cardinality(event_types) > 0),
    min_severity     text CHECK (min_severity IN ('INFO', 'WARNING', 'MAJOR', 'CRITICAL')),
    group_id         text,
    rule_id          text,
    -- Local times in the organisation's zone; a window may run over midnight (22:00 to 06:00).
    quiet_from       time,
    quiet_to         time,
    min_interval_s   integer NOT NULL DEFAULT 0 CHECK (min_interval_s BETWEEN 0 AND 86400),
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (org_slug, subscription_id),
    FOREIGN KEY (org_slug, channel_id) REFERENCES notification_channels (org_slug, channel_id) ON DELETE CASCADE,
    CHECK ((quiet_from IS NULL) = (quiet_to IS NULL))
);

CREATE TABLE notification_deliveries (
    delivery_id      uuid PRIMARY KEY,
    org_slug         text NOT NULL,
    channel_id       uuid NOT NULL,
    -- NULL for a channel's test message.
    subscription_id  uuid,
    event_id         text NOT NULL,
    event_type       text NOT NULL,
    -- The alert (device/rule) or roll-out the event is about: held-back messages are merged per key.
    event_key        text NOT NULL,
    event            jsonb NOT NULL,
    status           text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'merged')),
    -- Earlier events of the same key this message stands for, held back by quiet hours or the minimum interval.
    merged_count     integer NOT NULL DEFAULT 0 CHECK (merged_count >= 0),
    merged_since     timestamptz,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    last_error       text,
    created_at       timestamptz NOT NULL,
    delivered_at     timestamptz,
    FOREIGN KEY (org_slug, channel_id) REFERENCES notification_channels (org_slug, channel_id) ON DELETE CASCADE
);
-- Each (event, subscription) is delivered once, whatever the notifier reads twice.
CREATE UNIQUE INDEX notification_deliveries_once ON notification_deliveries (subscription_id, event_id);
CREATE INDEX notification_deliveries_due ON notification_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_deliveries_log ON notification_deliveries (org_slug, created_at DESC);
CREATE INDEX notification_deliveries_held ON notification_deliveries (subscription_id, event_key) WHERE status = 'pending';

-- Per subscription and key, the earliest time the next message may go (the minimum interval after the last one).
CREATE TABLE notification_throttle (
    org_slug         text NOT NULL,
    subscription_id  uuid NOT NULL,
    event_key        text NOT NULL,
    next_free_at     timestamptz NOT NULL,
    PRIMARY KEY (subscription_id, event_key),
    FOREIGN KEY (org_slug, subscription_id) REFERENCES notification_subscriptions (org_slug, subscription_id)
        ON DELETE CASCADE
);
