-- Parts made in an unscheduled minute (overtime) stay outside OEE, as that minute's run time does: the roll-ups'
-- ideal sums (oee_1h, oee_1d, oee_group_1h) and the API's sums over minutes take a minute's ideal_ms and
-- good_ideal_ms, and its lack of an ideal cycle time, only when it is scheduled. Before, an hour with a scheduled
-- minute and an overtime minute, each at the ideal rate, had performance 2 and an OEE its losses did not add up to.
-- oee_1m keeps ideal_ms = ideal_cycle_ms x total_count in every minute, and total_count and good_count keep every
-- part made (the roll-ups' output counts). A minute written before scheduled existed (NULL) counts as scheduled.

-- A minute's ideal time as OEE sums it: 0 when unscheduled.
CREATE FUNCTION oee_ideal(p_scheduled boolean, p_ideal_ms double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_scheduled IS FALSE THEN 0 ELSE COALESCE(p_ideal_ms, 0) END
$$;

-- 1 when a minute leaves OEE's ideal sums unknown: scheduled without an ideal cycle time.
CREATE FUNCTION oee_ideal_unknown(p_scheduled boolean, p_ideal_ms double precision) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT (p_scheduled IS NOT FALSE AND p_ideal_ms IS NULL)::integer
$$;

-- V26's batch writer with the two functions above in its roll-up changes.
CREATE OR REPLACE PROCEDURE write_oee_minutes(p_org_slug text[], p_device_id text[], p_bucket_ms bigint[],
                                   p_planned_ms bigint[], p_run_ms bigint[], p_total_count bigint[],
                                   p_good_count bigint[], p_ideal_cycle_ms double precision[],
                                   p_ideal_ms double precision[], p_good_ideal_ms double precision[],
                                   p_availability double precision[], p_performance double precision[],
                                   p_quality double precision[], p_oee double precision[],
                                   p_performance_above_1 boolean[], p_known_ms bigint[], p_idle_ms bigint[],
                                   p_down_ms bigint[], p_planned_stop_ms bigint[], p_scheduled boolean[],
                                   p_unscheduled_run_ms bigint[])
LANGUAGE plpgsql AS $$
BEGIN
    -- Before the statement below takes its snapshot, so it sees every membership change committed before it.
    PERFORM lock_oee_group_sums(org_slug, false) FROM (SELECT DISTINCT unnest(p_org_slug) AS org_slug ORDER BY 1) o;
    -- Every part of one WITH statement sees the tables as they were before the statement, so "change" compares
    -- each minute with its previous row and each roll-up adds to its previous sums, whatever order the parts run in.
    WITH batch AS (
        SELECT DISTINCT ON (b.org_slug, b.device_id, b.bucket_ms) b.*,
               timestamptz 'epoch' + b.bucket_ms * interval '1 millisecond' AS bucket_start
        FROM unnest(p_org_slug, p_device_id, p_bucket_ms, p_planned_ms, p_run_ms, p_total_count, p_good_count,
                    p_ideal_cycle_ms, p_ideal_ms, p_good_ideal_ms, p_availability, p_performance, p_quality,
                    p_oee, p_performance_above_1, p_known_ms, p_idle_ms, p_down_ms, p_planned_stop_ms, p_scheduled,
                    p_unscheduled_run_ms)
             WITH ORDINALITY AS b(org_slug, device_id, bucket_ms, planned_ms, run_ms, total_count, good_count,
                                  ideal_cycle_ms, ideal_ms, good_ideal_ms, availability, performance, quality,
                                  oee, performance_above_1, known_ms, idle_ms, down_ms, planned_stop_ms, scheduled,
                                  unscheduled_run_ms, position)
        ORDER BY b.org_slug, b.device_id, b.bucket_ms, b.position DESC),
    change AS (
        SELECT b.org_slug, b.device_id, b.bucket_start, COALESCE(o.time_zone, 'UTC') AS time_zone,
               b.planned_ms - COALESCE(m.planned_ms, 0) AS planned_ms, b.run_ms - COALESCE(m.run_ms, 0) AS run_ms,
               b.total_count - COALESCE(m.total_count, 0) AS total_count,
               b.good_count - COALESCE(m.good_count, 0) AS good_count,
               oee_ideal(b.scheduled, b.ideal_ms) - oee_ideal(m.scheduled, m.ideal_ms) AS ideal_ms,
               oee_ideal(b.scheduled, b.good_ideal_ms) - oee_ideal(m.scheduled, m.good_ideal_ms) AS good_ideal_ms,
               oee_ideal_unknown(b.scheduled, b.ideal_ms)
                   - (m.org_slug IS NOT NULL AND oee_ideal_unknown(m.scheduled, m.ideal_ms) = 1)::integer AS ideal_unknown
        FROM batch b
        LEFT JOIN oee_1m m USING (org_slug, device_id, bucket_start)
        LEFT JOIN organisations o ON o.slug = b.org_slug),
    hour_change AS (
        SELECT c.*, p.planned_ms AS p_planned, p.run_ms AS p_run, p.total_count AS p_total,
               p.good_count AS p_good, p.ideal_ms_sum AS p_ideal, p.good_ideal_ms_sum AS p_good_ideal,
               p.ideal_unknown_minutes AS p_unknown, (p.org_slug IS NULL)::integer AS new_row
        FROM (SELECT org_slug, device_id, date_trunc('hour', bucket_start, 'UTC') AS bucket_start,
                     sum(planned_ms)::bigint AS planned_ms, sum(run_ms)::bigint AS run_ms,
                     sum(total_count)::bigint AS total_count, sum(good_count)::bigint AS good_count,
                     sum(ideal_ms) AS ideal_ms, sum(good_ideal_ms) AS good_ideal_ms,
                     sum(ideal_unknown) AS ideal_unknown
              FROM change GROUP BY 1, 2, 3) c
        LEFT JOIN oee_1h p USING (org_slug, device_id, bucket_start)),
    hours AS (
        INSERT INTO oee_1h (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count,
                            ideal_ms_sum, good_ideal_ms_sum, ideal_unknown_minutes, ideal_ms, good_ideal_ms,
                            availability, performance, quality, oee, performance_above_1)
        SELECT h.org_slug, h.device_id, h.bucket_start, a.*
        FROM hour_change h
        CROSS JOIN LATERAL oee_rollup_after(h.p_planned, h.p_run, h.p_total, h.p_good, h.p_ideal,
                h.p_good_ideal, h.p_unknown, h.planned_ms, h.run_ms, h.total_count, h.good_count, h.ideal_ms,
                h.good_ideal_ms, h.ideal_unknown) a
        ON CONFLICT (org_slug, device_id, bucket_start) DO UPDATE SET
            planned_ms = EXCLUDED.planned_ms, run_ms = EXCLUDED.run_ms, total_count = EXCLUDED.total_count,
            good_count = EXCLUDED.good_count, ideal_ms_sum = EXCLUDED.ideal_ms_sum,
            good_ideal_ms_sum = EXCLUDED.good_ideal_ms_sum, ideal_unknown_minutes = EXCLUDED.ideal_unknown_minutes,
            ideal_ms = EXCLUDED.ideal_ms, good_ideal_ms = EXCLUDED.good_ideal_ms,
            availability = EXCLUDED.availability, performance = EXCLUDED.performance,
            quality = EXCLUDED.quality, oee = EXCLUDED.oee, performance_above_1 = EXCLUDED.performance_above_1,
            updated_at = now()),
    group_hours AS (
        INSERT INTO oee_group_1h AS r
        SELECT g.org_slug, g.group_id, h.bucket_start, sum(h.new_row), sum(h.planned_ms), sum(h.run_ms),
               sum(h.total_count), sum(h.good_count), sum(h.ideal_ms), sum(h.good_ideal_ms), sum(h.ideal_unknown)
        FROM hour_change h JOIN device_group_members g USING (org_slug, device_id)
        GROUP BY 1, 2, 3
        ON CONFLICT (org_slug, group_id, bucket_start) DO UPDATE SET
            machines = r.machines + EXCLUDED.machines, planned_ms = r.planned_ms + EXCLUDED.planned_ms,
            run_ms = r.run_ms + EXCLUDED.run_ms, total_count = r.total_count + EXCLUDED.total_count,
            good_count = r.good_count + EXCLUDED.good_count, ideal_ms_sum = r.ideal_ms_sum + EXCLUDED.ideal_ms_sum,
            good_ideal_ms_sum = r.good_ideal_ms_sum + EXCLUDED.good_ideal_ms_sum,
            ideal_unknown_minutes = r.ideal_unknown_minutes + EXCLUDED.ideal_unknown_minutes),
    days AS (
        INSERT INTO oee_1d (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count,
                            ideal_ms_sum, good_ideal_ms_sum, ideal_unknown_minutes, ideal_ms, good_ideal_ms,
                            availability, performance, quality, oee, performance_above_1)
        SELECT c.org_slug, c.device_id, c.bucket_start, a.*
        FROM (SELECT org_slug, device_id, date_trunc('day', bucket_start, time_zone) AS bucket_start,
                     sum(planned_ms)::bigint AS planned_ms, sum(run_ms)::bigint AS run_ms,
                     sum(total_count)::bigint AS total_count, sum(good_count)::bigint AS good_count,
                     sum(ideal_ms) AS ideal_ms, sum(good_ideal_ms) AS good_ideal_ms,
                     sum(ideal_unknown) AS ideal_unknown
              FROM change GROUP BY 1, 2, 3) c
        LEFT JOIN oee_1d p USING (org_slug, device_id, bucket_start)
        CROSS JOIN LATERAL oee_rollup_after(p.planned_ms, p.run_ms, p.total_count, p.good_count,
                p.ideal_ms_sum, p.good_ideal_ms_sum, p.ideal_unknown_minutes, c.planned_ms, c.run_ms,
                c.total_count, c.good_count, c.ideal_ms, c.good_ideal_ms, c.ideal_unknown) a
        ON CONFLICT (org_slug, device_id, bucket_start) DO UPDATE SET
            planned_ms = EXCLUDED.planned_ms, run_ms = EXCLUDED.run_ms, total_count = EXCLUDED.total_count,
            good_count = EXCLUDED.good_count, ideal_ms_sum = EXCLUDED.ideal_ms_sum,
            good_ideal_ms_sum = EXCLUDED.good_ideal_ms_sum, ideal_unknown_minutes = EXCLUDED.ideal_unknown_minutes,
            ideal_ms = EXCLUDED.ideal_ms, good_ideal_ms = EXCLUDED.good_ideal_ms,
            availability = EXCLUDED.availability, performance = EXCLUDED.performance,
            quality = EXCLUDED.quality, oee = EXCLUDED.oee, performance_above_1 = EXCLUDED.performance_above_1,
            updated_at = now())
    INSERT INTO oee_1m (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count,
                        ideal_cycle_ms, ideal_ms, good_ideal_ms, availability, performance, quality, oee,
                        performance_above_1, known_ms, idle_ms, down_ms, planned_stop_ms, scheduled,
                        unscheduled_run_ms)
    SELECT org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count, ideal_cycle_ms,
           ideal_ms, good_ideal_ms, availability, performance, quality, oee, performance_above_1, known_ms, idle_ms,
           down_ms, planned_stop_ms, scheduled, unscheduled_run_ms
    FROM batch
    ON CONFLICT (org_slug, device_id, bucket_start) DO UPDATE SET
        planned_ms = EXCLUDED.planned_ms, run_ms = EXCLUDED.run_ms, total_count = EXCLUDED.total_count,
        good_count = EXCLUDED.good_count, ideal_cycle_ms = EXCLUDED.ideal_cycle_ms, ideal_ms = EXCLUDED.ideal_ms,
        good_ideal_ms = EXCLUDED.good_ideal_ms, availability = EXCLUDED.availability,
        performance = EXCLUDED.performance, quality = EXCLUDED.quality, oee = EXCLUDED.oee,
        performance_above_1 = EXCLUDED.performance_above_1, known_ms = EXCLUDED.known_ms,
        idle_ms = EXCLUDED.idle_ms, down_ms = EXCLUDED.down_ms, planned_stop_ms = EXCLUDED.planned_stop_ms,
        scheduled = EXCLUDED.scheduled, unscheduled_run_ms = EXCLUDED.unscheduled_run_ms, updated_at = now();
END
$$;


-- The roll-ups written before this version: each hour, day and group hour loses what its overtime minutes added.
CREATE TEMPORARY TABLE overtime_ideal ON COMMIT DROP AS
SELECT m.org_slug, m.device_id, m.bucket_start, COALESCE(o.time_zone, 'UTC') AS time_zone,
       COALESCE(m.ideal_ms, 0) AS ideal_ms, COALESCE(m.good_ideal_ms, 0) AS good_ideal_ms,
       (m.ideal_ms IS NULL)::integer AS ideal_unknown
FROM oee_1m m LEFT JOIN organisations o ON o.slug = m.org_slug
WHERE m.scheduled IS FALSE AND (m.ideal_ms IS DISTINCT FROM 0 OR m.good_ideal_ms IS DISTINCT FROM 0);

UPDATE oee_1h h
SET (planned_ms, run_ms, total_count, good_count, ideal_ms_sum, good_ideal_ms_sum, ideal_unknown_minutes, ideal_ms,
     good_ideal_ms, availability, performance, quality, oee, performance_above_1) =
    (SELECT * FROM oee_rollup_after(h.planned_ms, h.run_ms, h.total_count, h.good_count, h.ideal_ms_sum,
                                    h.good_ideal_ms_sum, h.ideal_unknown_minutes, 0, 0, 0, 0, -c.ideal_ms,
                                    -c.good_ideal_ms, -c.ideal_unknown)),
    updated_at = now()
FROM (SELECT org_slug, device_id, date_trunc('hour', bucket_start, 'UTC') AS bucket_start, sum(ideal_ms) AS ideal_ms,
             sum(good_ideal_ms) AS good_ideal_ms, sum(ideal_unknown) AS ideal_unknown
      FROM overtime_ideal GROUP BY 1, 2, 3) c
WHERE h.org_slug = c.org_slug AND h.device_id = c.device_id AND h.bucket_start = c.bucket_start;

UPDATE oee_1d d
SET (planned_ms, run_ms, total_count, good_count, ideal_ms_sum, good_ideal_ms_sum, ideal_unknown_minutes, ideal_ms,
     good_ideal_ms, availability, performance, quality, oee, performance_above_1) =
    (SELECT * FROM oee_rollup_after(d.planned_ms, d.run_ms, d.total_count, d.good_count, d.ideal_ms_sum,
                                    d.good_ideal_ms_sum, d.ideal_unknown_minutes, 0, 0, 0, 0, -c.ideal_ms,
                                    -c.good_ideal_ms, -c.ideal_unknown)),
    updated_at = now()
FROM (SELECT org_slug, device_id, date_trunc('day', bucket_start, time_zone) AS bucket_start, sum(ideal_ms) AS ideal_ms,
             sum(good_ideal_ms) AS good_ideal_ms, sum(ideal_unknown) AS ideal_unknown
      FROM overtime_ideal GROUP BY 1, 2, 3) c
WHERE d.org_slug = c.org_slug AND d.device_id = c.device_id AND d.bucket_start = c.bucket_start;

UPDATE oee_group_1h g
SET ideal_ms_sum = g.ideal_ms_sum - c.ideal_ms, good_ideal_ms_sum = g.good_ideal_ms_sum - c.good_ideal_ms,
    ideal_unknown_minutes = g.ideal_unknown_minutes - c.ideal_unknown
FROM (SELECT t.org_slug, gm.group_id, date_trunc('hour', t.bucket_start, 'UTC') AS bucket_start,
             sum(t.ideal_ms) AS ideal_ms, sum(t.good_ideal_ms) AS good_ideal_ms, sum(t.ideal_unknown) AS ideal_unknown
      FROM overtime_ideal t JOIN device_group_members gm USING (org_slug, device_id) GROUP BY 1, 2, 3) c
WHERE g.org_slug = c.org_slug AND g.group_id = c.group_id AND g.bucket_start = c.bucket_start;
