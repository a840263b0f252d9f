-- How the OEE job writes a minute. One procedure, so the hour and the day that contain the minute change with it
-- in the same transaction: a roll-up is always the sum of its minutes' components, with the ratios computed from
-- those sums (never averaged). Hours are UTC hours; a day starts at midnight in the
-- organisation's time zone (organisations.time_zone, UTC for an organisation the registry does not know), so a
-- day with a daylight-saving change has 23 or 25 hours of minutes.
CREATE FUNCTION oee_ratios_from_sums(p_planned bigint, p_run bigint, p_total bigint, p_good bigint,
                                     p_ideal double precision, p_good_ideal double precision,
                                     OUT availability double precision, OUT performance double precision,
                                     OUT quality double precision, OUT oee double precision,
                                     OUT performance_above_1 boolean)
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_run::double precision / NULLIF(p_planned, 0),
           p_ideal / NULLIF(p_run, 0),
           CASE WHEN p_total = 0 THEN NULL
                WHEN p_ideal > 0 THEN p_good_ideal / p_ideal
                ELSE p_good::double precision / p_total END,
           p_good_ideal / NULLIF(p_planned, 0),
           COALESCE(p_ideal / NULLIF(p_run, 0) > 1, false)
$$;

-- A roll-up keeps running sums that a rewritten minute adjusts by its difference, so writing a minute costs the
-- same whether it is the first or the last of its day. ideal_ms and good_ideal_ms are the sums only while every
-- minute had an ideal cycle time: one without makes them (and performance and OEE) unknown, not smaller.
ALTER TABLE oee_1h ADD COLUMN ideal_ms_sum double precision NOT NULL DEFAULT 0,
                   ADD COLUMN good_ideal_ms_sum double precision NOT NULL DEFAULT 0,
                   ADD COLUMN ideal_unknown_minutes integer NOT NULL DEFAULT 0;
ALTER TABLE oee_1d ADD COLUMN ideal_ms_sum double precision NOT NULL DEFAULT 0,
                   ADD COLUMN good_ideal_ms_sum double precision NOT NULL DEFAULT 0,
                   ADD COLUMN ideal_unknown_minutes integer NOT NULL DEFAULT 0;

-- Adds a minute's change to one roll-up row, then recomputes the row's ratios from its sums. One procedure per
-- table with static SQL rather than one with a table-name parameter: PostgreSQL plans static SQL once per session,
-- dynamic SQL on every call, and this runs for every minute of every machine.
CREATE PROCEDURE add_to_oee_1h(p_org_slug text, p_device_id text, p_bucket_start timestamptz, p_planned_ms bigint,
                               p_run_ms bigint, p_total_count bigint, p_good_count bigint,
                               p_ideal_ms double precision, p_good_ideal_ms double precision,
                               p_ideal_unknown_minutes integer)
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO oee_1h AS r (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count,
                          ideal_ms_sum, good_ideal_ms_sum, ideal_unknown_minutes)
    VALUES (p_org_slug, p_device_id, p_bucket_start, p_planned_ms, p_run_ms, p_total_count, p_good_count,
            p_ideal_ms, p_good_ideal_ms, p_ideal_unknown_minutes)
    ON CONFLICT (org_slug, device_id, bucket_start) DO UPDATE SET
        planned_ms = r.planned_ms + EXCLUDED.planned_ms, run_ms = r.run_ms + EXCLUDED.run_ms,
        total_count = r.total_count + EXCLUDED.total_count, good_count = r.good_count + EXCLUDED.good_count,
        ideal_ms_sum = r.ideal_ms_sum + EXCLUDED.ideal_ms_sum,
        good_ideal_ms_sum = r.good_ideal_ms_sum + EXCLUDED.good_ideal_ms_sum,
        ideal_unknown_minutes = r.ideal_unknown_minutes + EXCLUDED.ideal_unknown_minutes;
    UPDATE oee_1h r SET
        ideal_ms = CASE WHEN r.ideal_unknown_minutes = 0 THEN r.ideal_ms_sum END,
        good_ideal_ms = CASE WHEN r.ideal_unknown_minutes = 0 THEN r.good_ideal_ms_sum END,
        (availability, performance, quality, oee, performance_above_1) = (
            SELECT * FROM oee_ratios_from_sums(r.planned_ms, r.run_ms, r.total_count, r.good_count,
                CASE WHEN r.ideal_unknown_minutes = 0 THEN r.ideal_ms_sum END,
                CASE WHEN r.ideal_unknown_minutes = 0 THEN r.good_ideal_ms_sum END)),
        updated_at = now()
    WHERE org_slug = p_org_slug AND device_id = p_device_id AND bucket_start = p_bucket_start;
END
$$;

CREATE PROCEDURE add_to_oee_1d(p_org_slug text, p_device_id text, p_bucket_start timestamptz, p_planned_ms bigint,
                               p_run_ms bigint, p_total_count bigint, p_good_count bigint,
                               p_ideal_ms double precision, p_good_ideal_ms double precision,
                               p_ideal_unknown_minutes integer)
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO oee_1d AS r (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count,
                          ideal_ms_sum, good_ideal_ms_sum, ideal_unknown_minutes)
    VALUES (p_org_slug, p_device_id, p_bucket_start, p_planned_ms, p_run_ms, p_total_count, p_good_count,
            p_ideal_ms, p_good_ideal_ms, p_ideal_unknown_minutes)
    ON CONFLICT (org_slug, device_id, bucket_start) DO UPDATE SET
        planned_ms = r.planned_ms + EXCLUDED.planned_ms, run_ms = r.run_ms + EXCLUDED.run_ms,
        total_count = r.total_count + EXCLUDED.total_count, good_count = r.good_count + EXCLUDED.good_count,
        ideal_ms_sum = r.ideal_ms_sum + EXCLUDED.ideal_ms_sum,
        good_ideal_ms_sum = r.good_ideal_ms_sum + EXCLUDED.good_ideal_ms_sum,
        ideal_unknown_minutes = r.ideal_unknown_minutes + EXCLUDED.ideal_unknown_minutes;
    UPDATE oee_1d r SET
        ideal_ms = CASE WHEN r.ideal_unknown_minutes = 0 THEN r.ideal_ms_sum END,
        good_ideal_ms = CASE WHEN r.ideal_unknown_minutes = 0 THEN r.good_ideal_ms_sum END,
        (availability, performance, quality, oee, performance_above_1) = (
            SELECT * FROM oee_ratios_from_sums(r.planned_ms, r.run_ms, r.total_count, r.good_count,
                CASE WHEN r.ideal_unknown_minutes = 0 THEN r.ideal_ms_sum END,
                CASE WHEN r.ideal_unknown_minutes = 0 THEN r.good_ideal_ms_sum END)),
        updated_at = now()
    WHERE org_slug = p_org_slug AND device_id = p_device_id AND bucket_start = p_bucket_start;
END
$$;

CREATE PROCEDURE upsert_oee_minute(p_org_slug text, p_device_id text, p_bucket_start timestamptz, p_planned_ms bigint,
                                   p_run_ms bigint, p_total_count bigint, p_good_count bigint,
                                   p_ideal_cycle_ms double precision, p_ideal_ms double precision,
                                   p_good_ideal_ms double precision, p_availability double precision,
                                   p_performance double precision, p_quality double precision, p_oee double precision,
                                   p_performance_above_1 boolean)
LANGUAGE plpgsql AS $$
DECLARE
    zone text := COALESCE((SELECT time_zone FROM organisations WHERE slug = p_org_slug), 'UTC');
    local_day timestamp := date_trunc('day', p_bucket_start AT TIME ZONE zone);
    hour_start timestamptz := date_trunc('hour', p_bucket_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    old oee_1m%ROWTYPE;
    d_planned bigint := p_planned_ms;
    d_run bigint := p_run_ms;
    d_total bigint := p_total_count;
    d_good bigint := p_good_count;
    d_ideal double precision := COALESCE(p_ideal_ms, 0);
    d_good_ideal double precision := COALESCE(p_good_ideal_ms, 0);
    d_unknown integer := CASE WHEN p_ideal_ms IS NULL THEN 1 ELSE 0 END;
BEGIN
    SELECT * INTO old FROM oee_1m
    WHERE org_slug = p_org_slug AND device_id = p_device_id AND bucket_start = p_bucket_start FOR UPDATE;
    IF FOUND THEN
        d_planned := d_planned - old.planned_ms;
        d_run := d_run - old.run_ms;
        d_total := d_total - old.total_count;
        d_good := d_good - old.good_count;
        d_ideal := d_ideal - COALESCE(old.ideal_ms, 0);
        d_good_ideal := d_good_ideal - COALESCE(old.good_ideal_ms, 0);
        d_unknown := d_unknown - CASE WHEN old.ideal_ms IS NULL THEN 1 ELSE 0 END;
    END IF;

    INSERT INTO oee_1m (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count, ideal_cycle_ms,
                        ideal_ms, good_ideal_ms, availability, performance, quality, oee, performance_above_1)
    VALUES (p_org_slug, p_device_id, p_bucket_start, p_planned_ms, p_run_ms, p_total_count, p_good_count,
            p_ideal_cycle_ms, p_ideal_ms, p_good_ideal_ms, p_availability, p_performance, p_quality, p_oee,
            p_performance_above_1)
    ON CONFLICT (org_slug, device_id, bucket_start) DO UPDATE SET
        planned_ms = EXCLUDED.planned_ms, run_ms = EXCLUDED.run_ms, total_count = EXCLUDED.total_count,
        good_count = EXCLUDED.good_count, ideal_cycle_ms = EXCLUDED.ideal_cycle_ms, ideal_ms = EXCLUDED.ideal_ms,
        good_ideal_ms = EXCLUDED.good_ideal_ms, availability = EXCLUDED.availability,
        performance = EXCLUDED.performance, quality = EXCLUDED.quality, oee = EXCLUDED.oee,
        performance_above_1 = EXCLUDED.performance_above_1, updated_at = now();
    CALL add_to_oee_1h(p_org_slug, p_device_id, hour_start, d_planned, d_run, d_total, d_good,
                           d_ideal, d_good_ideal, d_unknown);
    CALL add_to_oee_1d(p_org_slug, p_device_id, local_day AT TIME ZONE zone, d_planned, d_run, d_total,
                           d_good, d_ideal, d_good_ideal, d_unknown);
END
$$;
