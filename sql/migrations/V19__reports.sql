-- KPI reports generated in the background: the request and its progress, and the file in chunks (so several API
-- servers share the work and any of them serves the download, without the file ever being whole in memory).
CREATE TABLE reports (
    report_id        uuid PRIMARY KEY,
    org_slug         text NOT NULL REFERENCES organisations (slug) ON DELETE CASCADE,
    requested_by     uuid NOT NULL,
    requester_email  text NOT NULL,
    type             text NOT NULL CHECK (type IN ('oee', 'alerts', 'telemetry')),
    scope            text NOT NULL CHECK (scope IN ('device', 'group', 'organisation')),
    scope_id         text,
    range_from       timestamptz NOT NULL,
    range_to         timestamptz NOT NULL CHECK (range_to > range_from),
    granularity      text NOT NULL CHECK (granularity IN ('1m', '1h', '1d')),
    format           text NOT NULL CHECK (format = 'csv'),
    status           text NOT NULL CHECK (status IN ('queued', 'running', 'ready', 'failed')),
    progress         double precision NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
    row_count        bigint NOT NULL DEFAULT 0,
    size_bytes       bigint NOT NULL DEFAULT 0,
    error            text,
    -- A running report whose lease ran out (its server died) is taken up again by another.
    lease_until      timestamptz,
    created_at       timestamptz NOT NULL,
    started_at       timestamptz,
    finished_at      timestamptz,
    expires_at       timestamptz NOT NULL,
    mailed_at        timestamptz,
    mail_error       text,
    CHECK ((scope = 'organisation') = (scope_id IS NULL))
);
CREATE INDEX reports_to_do ON reports (created_at) WHERE status IN ('queued', 'running');
CREATE INDEX reports_by_org ON reports (org_slug, created_at DESC);
CREATE INDEX reports_expiry ON reports (expires_at);

CREATE TABLE report_chunks (
    report_id  uuid NOT NULL REFERENCES reports (report_id) ON DELETE CASCADE,
    seq        integer NOT NULL CHECK (seq >= 0),
    data       bytea NOT NULL,
    PRIMARY KEY (report_id, seq)
);
