-- Stops, as the shifts contract defines them: a maximal interval in which a machine stays IDLE or DOWN with the same
-- reason. The OEE job writes them: a stop is its device and start; ended_at is NULL while it is open, and where the
-- device went offline during it, the moment it was last heard from (the time after that is unknown, not a stop).
-- device_reason is the reason the device sent; an operator's classification is kept apart (stop_classifications), so
-- the job rewriting a stop never overwrites it. Late data may move a stop's start: the job then deletes the stop it
-- replaces, for the span of minutes it wrote again.
CREATE TABLE stops (
    org_slug       text NOT NULL,
    device_id      text NOT NULL,
    started_at     timestamptz NOT NULL,
    state          text NOT NULL CHECK (state IN ('IDLE', 'DOWN')),
    device_reason  text,
    ended_at       timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_slug, device_id, started_at),
    CHECK (ended_at IS NULL OR ended_at > started_at)
);

-- Where each OEE minute's stop time went: one row per stop and minute it touches, with that stop's milliseconds of
-- the minute's known time. For every minute, sum(ms) equals idle_ms + down_ms of its oee_1m row; the job writes a
-- minute's rows together with that row, replacing whatever the minute had before. Losses over a range are sums of
-- these rows in scheduled minutes, so they add up exactly to the minutes' planned time lost to stops.
CREATE TABLE oee_stop_minutes (
    org_slug         text NOT NULL,
    device_id        text NOT NULL,
    bucket_start     timestamptz NOT NULL,
    stop_started_at  timestamptz NOT NULL,
    ms               bigint NOT NULL CHECK (ms > 0 AND ms <= 60000),
    PRIMARY KEY (org_slug, device_id, bucket_start, stop_started_at)
);
CREATE INDEX oee_stop_minutes_by_stop ON oee_stop_minutes (org_slug, device_id, stop_started_at);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'plantline_dashboards') THEN
        GRANT SELECT ON stops, oee_stop_minutes TO plantline_dashboards;
    END IF;
END
$$;
