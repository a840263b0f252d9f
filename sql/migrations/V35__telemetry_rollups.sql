-- Telemetry roll-ups: telemetry_1h (UTC hours) and telemetry_1d (days from midnight in the organisation's time zone,
-- UTC if it has none, so 23, 24 or 25 hours long), the shape of telemetry_1m, each row the statistics of all readings
-- of its minutes: count, min, max, mean and population standard deviation (what telemetry_1m stores per minute), so
-- /telemetry over 30 days reads 720 or 30 rows per metric instead of 43,200. The telemetry job writes its minutes a
-- batch at a time through write_telemetry_minutes, which adds each minute's change against its stored row to its hour
-- and day in the same transaction, as write_oee_minutes does for OEE (V20): a late reading that rewrites a minute
-- corrects both. Each device's minutes come from one writer (the job keys them by device), so the roll-up rows a
-- batch reads are not changed under it.
--
-- How a roll-up stays exact under corrections. A minute of n readings with mean a and standard deviation s adds
-- n(a - r) to deviation_sum and n s^2 + n (a - r)^2 to squared_deviation_sum, both about the row's reference r (the
-- mean of the minute means it was first written from, kept for the row's life). Sums can take a minute's old terms
-- away again, which a running mean and M2 (Welford, Chan) cannot do stably; and about a reference inside the data the
-- sum of squares does not cancel out as the textbook sum of x^2 does for large values with a small spread. Then
-- mean = r + deviation_sum / count and variance = (squared_deviation_sum - deviation_sum^2 / count) / count, the
-- pooled statistics of every reading. The sums are double precision: each addition rounds by about 1e-16 of the sum,
-- so a day of 1,440 minutes and their corrections stays within about 1e-12 of the sums, relatively
-- (TelemetryRollUpTest: mean and standard deviation within 1e-12 of the readings' magnitude of the exact statistics
-- after random rewrites; measured 1.5e-16). The minimum and maximum cannot be un-merged: when a rewritten minute held
-- its roll-up's minimum and its new minimum is higher (or likewise the maximum), the roll-up's is read again from its
-- other minutes and the batch's; otherwise it is the lesser (greater) of the stored one and the batch's.

-- The batch as rows: one array element per minute (p_bucket_ms: its start in epoch milliseconds); a minute that
-- appears twice is taken as its last appearance. A SQL function returning a table, so PostgreSQL inlines it.
CREATE FUNCTION telemetry_minute_batch(p_org_slug text[], p_device_id text[], p_metric text[], p_bucket_ms bigint[],
                                       p_count bigint[], p_min double precision[], p_max double precision[],
                                       p_avg double precision[], p_stddev double precision[])
RETURNS TABLE (org_slug text, device_id text, metric text, bucket_start timestamptz, count bigint,
               min double precision, max double precision, avg double precision, stddev double precision)
LANGUAGE sql IMMUTABLE AS $$
    SELECT DISTINCT ON (b.org_slug, b.device_id, b.metric, b.bucket_ms) b.org_slug, b.device_id, b.metric,
           timestamptz 'epoch' + b.bucket_ms * interval '1 millisecond', b.count, b.min, b.max, b.avg, b.stddev
    FROM unnest(p_org_slug, p_device_id, p_metric, p_bucket_ms, p_count, p_min, p_max, p_avg, p_stddev)
         WITH ORDINALITY AS b(org_slug, device_id, metric, bucket_ms, count, min, max, avg, stddev, position)
    ORDER BY b.org_slug, b.device_id, b.metric, b.bucket_ms, b.position DESC
$$;

-- A minute's terms in a roll-up's sums about the reference p_reference (zero for a minute not stored: NULL count).
CREATE FUNCTION telemetry_minute_terms(p_count bigint, p_avg double precision, p_stddev double precision,
                                       p_reference double precision)
RETURNS TABLE (deviation double precision, squared_deviation double precision)
LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(p_count * (p_avg - p_reference), 0),
           COALESCE(p_count * p_stddev * p_stddev + p_count * (p_avg - p_reference) * (p_avg - p_reference), 0)
$$;

-- A roll-up's mean (kept inside [min, max] where rounding would put it a hair outside, as the job does for a minute)
-- and population standard deviation from its sums.
CREATE FUNCTION telemetry_rollup_statistics(p_count numeric, p_min double precision, p_max double precision,
                                            p_reference double precision, p_deviation double precision,
                                            p_squared_deviation double precision)
RETURNS TABLE (avg double precision, stddev double precision)
LANGUAGE sql IMMUTABLE AS $$
    SELECT least(p_max, greatest(p_min, p_reference + p_deviation / p_count::double precision)),
           sqrt(greatest(p_squared_deviation - p_deviation * p_deviation / p_count::double precision, 0)
                / p_count::double precision)
$$;

CREATE TABLE telemetry_1h (
    org_slug               text NOT NULL,
    device_id              text NOT NULL,
    metric                 text NOT NULL,
    bucket_start           timestamptz NOT NULL,
    count                  bigint NOT NULL CHECK (count > 0),
    min                    double precision NOT NULL,
    max                    double precision NOT NULL,
    avg                    double precision NOT NULL,
    stddev                 double precision NOT NULL CHECK (stddev >= 0),
    reference              double precision NOT NULL,
    deviation_sum          double precision NOT NULL,
    squared_deviation_sum  double precision NOT NULL,
    updated_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_slug, device_id, metric, bucket_start),
    CHECK (min <= avg AND avg <= max)
) WITH (fillfactor = 70);   -- rewritten every minute: room for heap-only updates, as V20 gives oee_1h
CREATE INDEX telemetry_1h_org_bucket_idx ON telemetry_1h (org_slug, bucket_start, device_id);

CREATE TABLE telemetry_1d (LIKE telemetry_1h INCLUDING DEFAULTS INCLUDING CONSTRAINTS) WITH (fillfactor = 70);
ALTER TABLE telemetry_1d ADD PRIMARY KEY (org_slug, device_id, metric, bucket_start);
CREATE INDEX telemetry_1d_org_bucket_idx ON telemetry_1d (org_slug, bucket_start, device_id);

-- Adds a batch's changes to one roll-up table (%1$I), its buckets cut by %2$s from a minute's bucket_start and zone
-- and ended by %3$s from the bucket's start and zone; $1..$9 are write_telemetry_minutes's arrays. Run before the
-- minutes are written, so telemetry_1m still holds each minute's old row.
CREATE FUNCTION telemetry_rollup_change_sql(p_table text, p_bucket text, p_bucket_end text) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT format($sql$
        WITH batch AS (SELECT * FROM telemetry_minute_batch($1, $2, $3, $4, $5, $6, $7, $8, $9)),
        minute AS (
            SELECT b.*, %2$s AS rollup_start, z.zone, m.count AS old_count, m.min AS old_min, m.max AS old_max,
                   m.avg AS old_avg, m.stddev AS old_stddev
            FROM batch b
            CROSS JOIN LATERAL (SELECT COALESCE((SELECT time_zone FROM organisations WHERE slug = b.org_slug), 'UTC')
                                    AS zone) z
            LEFT JOIN telemetry_1m m USING (org_slug, device_id, metric, bucket_start)),
        rollup AS (
            SELECT k.org_slug, k.device_id, k.metric, k.bucket_start, k.zone,
                   COALESCE(p.reference, k.mean) AS reference, p.count, p.min, p.max, p.deviation_sum,
                   p.squared_deviation_sum
            FROM (SELECT org_slug, device_id, metric, rollup_start AS bucket_start, min(zone) AS zone, avg(avg) AS mean
                  FROM minute GROUP BY 1, 2, 3, 4) k
            LEFT JOIN %1$I p USING (org_slug, device_id, metric, bucket_start)),
        change AS (
            SELECT r.org_slug, r.device_id, r.metric, r.bucket_start, r.reference,
                   COALESCE(r.count, 0) + sum(m.count - COALESCE(m.old_count, 0)) AS count,
                   COALESCE(r.deviation_sum, 0) + sum(t.deviation - o.deviation) AS deviation_sum,
                   COALESCE(r.squared_deviation_sum, 0) + sum(t.squared_deviation - o.squared_deviation)
                       AS squared_deviation_sum,
                   CASE WHEN bool_or(m.old_min <= r.min AND m.min > m.old_min)
                        THEN least(min(m.min), (SELECT min(s.min) FROM telemetry_1m s
                                                WHERE s.org_slug = r.org_slug AND s.device_id = r.device_id
                                                  AND s.metric = r.metric AND s.bucket_start >= r.bucket_start
                                                  AND s.bucket_start < %3$s
                                                  AND NOT EXISTS (SELECT 1 FROM batch b
                                                                  WHERE b.org_slug = s.org_slug
                                                                    AND b.device_id = s.device_id
                                                                    AND b.metric = s.metric
                                                                    AND b.bucket_start = s.bucket_start)))
                        ELSE least(r.min, min(m.min)) END AS min,
                   CASE WHEN bool_or(m.old_max >= r.max AND m.max < m.old_max)
                        THEN greatest(max(m.max), (SELECT max(s.max) FROM telemetry_1m s
                                                   WHERE s.org_slug = r.org_slug AND s.device_id = r.device_id
                                                     AND s.metric = r.metric AND s.bucket_start >= r.bucket_start
                                                     AND s.bucket_start < %3$s
                                                     AND NOT EXISTS (SELECT 1 FROM batch b
                                                                     WHERE b.org_slug = s.org_slug
                                                                       AND b.device_id = s.device_id
                                                                       AND b.metric = s.metric
                                                                       AND b.bucket_start = s.bucket_start)))
                        ELSE greatest(r.max, max(m.max)) END AS max
            FROM rollup r
            JOIN minute m ON m.org_slug = r.org_slug AND m.device_id = r.device_id AND m.metric = r.metric
                         AND m.rollup_start = r.bucket_start
            CROSS JOIN LATERAL telemetry_minute_terms(m.count, m.avg, m.stddev, r.reference) t
            CROSS JOIN LATERAL telemetry_minute_terms(m.old_count, m.old_avg, m.old_stddev, r.reference) o
            GROUP BY r.org_slug, r.device_id, r.metric, r.bucket_start, r.zone, r.reference, r.count, r.min, r.max,
                     r.deviation_sum, r.squared_deviation_sum)
        INSERT INTO %1$I (org_slug, device_id, metric, bucket_start, count, min, max, avg, stddev, reference,
                          deviation_sum, squared_deviation_sum)
        SELECT c.org_slug, c.device_id, c.metric, c.bucket_start, c.count, c.min, c.max, s.avg, s.stddev, c.reference,
               c.deviation_sum, c.squared_deviation_sum
        FROM change c
        CROSS JOIN LATERAL telemetry_rollup_statistics(c.count, c.min, c.max, c.reference, c.deviation_sum,
                c.squared_deviation_sum) s
        ON CONFLICT (org_slug, device_id, metric, bucket_start) DO UPDATE SET
            count = EXCLUDED.count, min = EXCLUDED.min, max = EXCLUDED.max, avg = EXCLUDED.avg,
            stddev = EXCLUDED.stddev, deviation_sum = EXCLUDED.deviation_sum,
            squared_deviation_sum = EXCLUDED.squared_deviation_sum, updated_at = now()
    $sql$, p_table, p_bucket, p_bucket_end)
$fn$;

-- Writes a batch of minutes of telemetry_1m and adds their changes to their hours and days.
CREATE PROCEDURE write_telemetry_minutes(p_org_slug text[], p_device_id text[], p_metric text[], p_bucket_ms bigint[],
                                         p_count bigint[], p_min double precision[], p_max double precision[],
                                         p_avg double precision[], p_stddev double precision[])
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE telemetry_rollup_change_sql('telemetry_1h', $b$date_trunc('hour', b.bucket_start, 'UTC')$b$,
                                        $e$r.bucket_start + interval '1 hour'$e$)
        USING p_org_slug, p_device_id, p_metric, p_bucket_ms, p_count, p_min, p_max, p_avg, p_stddev;
    EXECUTE telemetry_rollup_change_sql('telemetry_1d', $b$date_trunc('day', b.bucket_start, z.zone)$b$,
            $e$((r.bucket_start AT TIME ZONE r.zone) + interval '1 day') AT TIME ZONE r.zone$e$)
        USING p_org_slug, p_device_id, p_metric, p_bucket_ms, p_count, p_min, p_max, p_avg, p_stddev;
    INSERT INTO telemetry_1m (org_slug, device_id, metric, bucket_start, count, min, max, avg, stddev)
    SELECT * FROM telemetry_minute_batch(p_org_slug, p_device_id, p_metric, p_bucket_ms, p_count, p_min, p_max, p_avg,
                                         p_stddev)
    ON CONFLICT (org_slug, device_id, metric, bucket_start) DO UPDATE SET
        count = EXCLUDED.count, min = EXCLUDED.min, max = EXCLUDED.max, avg = EXCLUDED.avg,
        stddev = EXCLUDED.stddev, updated_at = now();
END
$$;

-- One minute, for seeding and for SQL users: the batch procedure with a batch of one.
CREATE PROCEDURE upsert_telemetry_minute(p_org_slug text, p_device_id text, p_metric text, p_bucket_start timestamptz,
                                         p_count bigint, p_min double precision, p_max double precision,
                                         p_avg double precision, p_stddev double precision)
LANGUAGE plpgsql AS $$
BEGIN
    CALL write_telemetry_minutes(ARRAY[p_org_slug], ARRAY[p_device_id], ARRAY[p_metric],
                                 ARRAY[(extract(epoch FROM p_bucket_start) * 1000)::bigint], ARRAY[p_count],
                                 ARRAY[p_min], ARRAY[p_max], ARRAY[p_avg], ARRAY[p_stddev]);
END
$$;

-- The minutes already stored, rolled up once; the reference of each row is the mean of its minute means.
CREATE FUNCTION backfill_telemetry_rollup_sql(p_table text, p_bucket text) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT format($sql$
        INSERT INTO %1$I (org_slug, device_id, metric, bucket_start, count, min, max, avg, stddev, reference,
                          deviation_sum, squared_deviation_sum)
        SELECT g.org_slug, g.device_id, g.metric, g.bucket_start, g.count, g.min, g.max, s.avg, s.stddev, g.reference,
               g.deviation_sum, g.squared_deviation_sum
        FROM (SELECT m.org_slug, m.device_id, m.metric, m.rollup_start AS bucket_start, sum(m.count) AS count,
                     min(m.min) AS min, max(m.max) AS max, min(m.reference) AS reference,
                     sum(t.deviation) AS deviation_sum, sum(t.squared_deviation) AS squared_deviation_sum
              FROM (SELECT b.*, avg(b.avg) OVER (PARTITION BY b.org_slug, b.device_id, b.metric, b.rollup_start)
                               AS reference
                    FROM (SELECT b.*, %2$s AS rollup_start
                          FROM telemetry_1m b
                          LEFT JOIN organisations o ON o.slug = b.org_slug) b) m
              CROSS JOIN LATERAL telemetry_minute_terms(m.count, m.avg, m.stddev, m.reference) t
              GROUP BY 1, 2, 3, 4) g
        CROSS JOIN LATERAL telemetry_rollup_statistics(g.count, g.min, g.max, g.reference, g.deviation_sum,
                g.squared_deviation_sum) s
    $sql$, p_table, p_bucket)
$fn$;

DO $$
BEGIN
    EXECUTE backfill_telemetry_rollup_sql('telemetry_1h', $b$date_trunc('hour', b.bucket_start, 'UTC')$b$);
    EXECUTE backfill_telemetry_rollup_sql('telemetry_1d',
                                          $b$date_trunc('day', b.bucket_start, COALESCE(o.time_zone, 'UTC'))$b$);
END
$$;
DROP FUNCTION backfill_telemetry_rollup_sql;

-- Views for analysts next to V31's (docs/analyst-views.md), with the same columns as kpi_telemetry_minutes.
CREATE VIEW kpi_telemetry_hours AS
SELECT t.org_slug, t.device_id, d.name AS machine_name, t.metric, t.bucket_start,
       t.bucket_start AT TIME ZONE g.time_zone AS local_start, t.count, t.min, t.max, t.avg, t.stddev
FROM telemetry_1h t
JOIN organisations g ON g.slug = t.org_slug
LEFT JOIN devices d ON d.org_slug = t.org_slug AND d.device_id = t.device_id;

-- A day starts at midnight in the organisation's zone, so local_date names it.
CREATE VIEW kpi_telemetry_days AS
SELECT t.org_slug, t.device_id, d.name AS machine_name, t.metric, t.bucket_start,
       (t.bucket_start AT TIME ZONE g.time_zone)::date AS local_date, t.count, t.min, t.max, t.avg, t.stddev
FROM telemetry_1d t
JOIN organisations g ON g.slug = t.org_slug
LEFT JOIN devices d ON d.org_slug = t.org_slug AND d.device_id = t.device_id;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'plantline_dashboards') THEN
        GRANT SELECT ON telemetry_1h, telemetry_1d, kpi_telemetry_hours, kpi_telemetry_days TO plantline_dashboards;
    END IF;
END
$$;
