-- The analyst-facing KPI tables (contract in ARCHITECTURE.md). Each primary key is the natural key, so a
-- replayed or restarted job overwrites its rows instead of duplicating them. No foreign keys: see V2.

CREATE TABLE telemetry_1m (
    org_slug      text NOT NULL,
    device_id     text NOT NULL,
    metric        text NOT NULL,
    bucket_start  timestamptz NOT NULL,
    count         bigint NOT NULL CHECK (count > 0),
    min           double precision NOT NULL,
    max           double precision NOT NULL,
    avg           double precision NOT NULL,
    stddev        double precision NOT NULL CHECK (stddev >= 0),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_slug, device_id, metric, bucket_start),
    CHECK (min <= avg AND avg <= max)
);
CREATE INDEX telemetry_1m_org_bucket_idx ON telemetry_1m (org_slug, bucket_start);

CREATE TABLE anomalies (
    org_slug   text NOT NULL,
    device_id  text NOT NULL,
    metric     text NOT NULL,
    ts         timestamptz NOT NULL,
    value      double precision NOT NULL,
    score      double precision NOT NULL,
    method     text NOT NULL,
    PRIMARY KEY (org_slug, device_id, metric, ts)
);
CREATE INDEX anomalies_org_ts_idx ON anomalies (org_slug, ts DESC);

-- One machine, one minute. Ratios are NULL where their denominator is 0; performance above 1 is stored
-- as computed and flagged, never capped.
CREATE TABLE oee_1m (
    org_slug             text NOT NULL,
    device_id            text NOT NULL,
    bucket_start         timestamptz NOT NULL,
    planned_ms           bigint NOT NULL CHECK (planned_ms BETWEEN 0 AND 60000),
    run_ms               bigint NOT NULL CHECK (run_ms >= 0),
    total_count          bigint NOT NULL CHECK (total_count >= 0),
    good_count           bigint NOT NULL CHECK (good_count >= 0),
    ideal_cycle_ms       double precision CHECK (ideal_cycle_ms > 0),
    ideal_ms             double precision,
    good_ideal_ms        double precision,
    availability         double precision,
    performance          double precision,
    quality              double precision,
    oee                  double precision,
    performance_above_1  boolean NOT NULL DEFAULT false,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_slug, device_id, bucket_start),
    CHECK (run_ms <= planned_ms),
    CHECK (good_count <= total_count)
);
CREATE INDEX oee_1m_org_bucket_idx ON oee_1m (org_slug, bucket_start);

-- Roll-ups: the minute table's shape less the ideal cycle time (it may change within an hour); sums of the
-- minutes' components, ratios recomputed from the sums (never averaged).
CREATE TABLE oee_1h (LIKE oee_1m INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE oee_1h
    DROP COLUMN ideal_cycle_ms,
    DROP CONSTRAINT oee_1m_planned_ms_check,
    ADD CONSTRAINT oee_1h_planned_ms_check CHECK (planned_ms BETWEEN 0 AND 3600000),
    ADD PRIMARY KEY (org_slug, device_id, bucket_start);
CREATE INDEX oee_1h_org_bucket_idx ON oee_1h (org_slug, bucket_start);

-- A day starts at midnight in the organisation's time zone, so it lasts 23, 24 or 25 hours.
CREATE TABLE oee_1d (LIKE oee_1h INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE oee_1d
    DROP CONSTRAINT oee_1h_planned_ms_check,
    ADD CONSTRAINT oee_1d_planned_ms_check CHECK (planned_ms BETWEEN 0 AND 90000000),
    ADD PRIMARY KEY (org_slug, device_id, bucket_start);
CREATE INDEX oee_1d_org_bucket_idx ON oee_1d (org_slug, bucket_start);
