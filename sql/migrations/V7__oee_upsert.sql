-- How the OEE job writes a minute. One procedure, so the hour and the day that contain the minute are recomputed
-- from the minute rows in the same transaction: a roll-up is always the sum of its minutes' components, with the
-- ratios computed from those sums (never averaged). Hours are UTC hours; a day starts at midnight in the
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

-- Recomputes one roll-up row (oee_1h or oee_1d) of one machine from its minutes in [p_start, p_end).
-- An unknown ideal cycle time in any minute makes the roll-up's ideal sums unknown, not smaller.
CREATE PROCEDURE refresh_oee_rollup(p_table text, p_org_slug text, p_device_id text, p_start timestamptz,
                                    p_end timestamptz)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($sql$
        INSERT INTO %I (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count, ideal_ms,
                        good_ideal_ms, availability, performance, quality, oee, performance_above_1)
        SELECT $1, $2, $3, s.planned, s.run, s.total, s.good, s.ideal, s.good_ideal, r.*
        FROM (SELECT sum(planned_ms)::bigint AS planned, sum(run_ms)::bigint AS run,
                     sum(total_count)::bigint AS total, sum(good_count)::bigint AS good,
                     CASE WHEN bool_and(ideal_ms IS NOT NULL) THEN sum(ideal_ms) END AS ideal,
                     CASE WHEN bool_and(ideal_ms IS NOT NULL) THEN sum(good_ideal_ms) END AS good_ideal
              FROM oee_1m WHERE org_slug = $1 AND device_id = $2 AND bucket_start >= $3 AND bucket_start < $4) s,
             oee_ratios_from_sums(s.planned, s.run, s.total, s.good, s.ideal, s.good_ideal) r
        ON CONFLICT (org_slug, device_id, bucket_start) DO UPDATE SET
            planned_ms = EXCLUDED.planned_ms, run_ms = EXCLUDED.run_ms, total_count = EXCLUDED.total_count,
            good_count = EXCLUDED.good_count, ideal_ms = EXCLUDED.ideal_ms, good_ideal_ms = EXCLUDED.good_ideal_ms,
            availability = EXCLUDED.availability, performance = EXCLUDED.performance, quality = EXCLUDED.quality,
            oee = EXCLUDED.oee, performance_above_1 = EXCLUDED.performance_above_1, updated_at = now()
    $sql$, p_table) USING p_org_slug, p_device_id, p_start, p_end;
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
BEGIN
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
    CALL refresh_oee_rollup('oee_1h', p_org_slug, p_device_id, hour_start, hour_start + interval '1 hour');
    CALL refresh_oee_rollup('oee_1d', p_org_slug, p_device_id, local_day AT TIME ZONE zone,
                            (local_day + interval '1 day') AT TIME ZONE zone);
END
$$;
