-- Alert rules (managed by the API, published to factory.rules) and the alerts the analytics job raises.

CREATE TABLE alert_rules (
    org_slug               text NOT NULL REFERENCES organisations (slug) ON DELETE CASCADE,
    rule_id                text NOT NULL CHECK (rule_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$'),
    name                   text NOT NULL DEFAULT '',
    scope_type             text NOT NULL CHECK (scope_type IN ('DEVICE', 'GROUP', 'ORGANISATION')),
    scope_target           text,
    metric                 text NOT NULL CHECK (metric ~ '^[A-Za-z0-9_.-]{1,64}$'),
    operator               text NOT NULL CHECK (operator IN ('>', '>=', '<', '<=')),
    threshold              double precision NOT NULL,
    for_seconds            integer CHECK (for_seconds BETWEEN 0 AND 86400),
    breach_count           integer CHECK (breach_count BETWEEN 1 AND 10000),
    clear_threshold        double precision,
    severity               text NOT NULL CHECK (severity IN ('INFO', 'WARNING', 'MAJOR', 'CRITICAL')),
    escalate_after_seconds integer CHECK (escalate_after_seconds BETWEEN 1 AND 86400),
    escalate_to            text CHECK (escalate_to IN ('INFO', 'WARNING', 'MAJOR', 'CRITICAL')),
    enabled                boolean NOT NULL DEFAULT true,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_slug, rule_id),
    -- A rule is sustained either for a time or for a number of readings, never both.
    CHECK ((for_seconds IS NULL) <> (breach_count IS NULL)),
    CHECK ((scope_type = 'ORGANISATION') = (scope_target IS NULL)),
    CHECK ((escalate_after_seconds IS NULL) = (escalate_to IS NULL))
);

-- Rows written by Flink jobs carry no foreign keys to the registry on purpose: a device deleted while its
-- data is still in flight must not make a sink fail and the job restart in a loop. The API removes a
-- deleted device's rows itself.
CREATE TABLE alerts (
    id               uuid PRIMARY KEY,
    org_slug         text NOT NULL,
    device_id        text NOT NULL,
    rule_id          text NOT NULL,
    metric           text NOT NULL,
    severity         text NOT NULL CHECK (severity IN ('INFO', 'WARNING', 'MAJOR', 'CRITICAL')),
    status           text NOT NULL CHECK (status IN ('ACTIVE', 'ACKNOWLEDGED', 'CLEARED', 'RESOLVED')),
    opened_at        timestamptz NOT NULL,
    last_value       double precision,
    peak_value       double precision,
    escalated_at     timestamptz,
    cleared_at       timestamptz,
    -- The job writes the columns above; people, through the API, write the four below.
    acknowledged_at  timestamptz,
    acknowledged_by  text,
    resolved_at      timestamptz,
    resolved_by      text,
    comment          text,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (cleared_at IS NULL OR cleared_at >= opened_at)
);
-- At most one open alert per device and rule: the job's lifecycle and the API's updates both rely on it.
CREATE UNIQUE INDEX alerts_one_open_per_device_rule
    ON alerts (org_slug, device_id, rule_id) WHERE status IN ('ACTIVE', 'ACKNOWLEDGED');
CREATE INDEX alerts_org_opened_idx ON alerts (org_slug, opened_at DESC);
CREATE INDEX alerts_org_status_idx ON alerts (org_slug, status, opened_at DESC);
CREATE INDEX alerts_device_idx ON alerts (org_slug, device_id, opened_at DESC);
