-- The OEE job writes its minutes a batch at a time: one statement per batch writes the minutes and adds the batch's
-- changes once to each hour, each group's hour (oee_group_1h, below) and each day. V7 ran three upserts per minute,
-- a round of the executor per row and table; 100,000 machines write 1,667 minutes a second.
--
-- The rules of V7 and V10 hold: a roll-up is the sum of its minutes' components with the ratios computed from the
-- sums, a rewritten minute adds its difference (which may be negative) to its hour and day, hours are UTC hours and
-- a day starts at midnight in the organisation's time zone. Each machine's minutes are written by one writer at a
-- time (the job keys them by machine), so the roll-up rows a batch reads are not changed under it.

DROP PROCEDURE add_to_oee_1h, add_to_oee_1d;

-- V7's oee_ratios_from_sums again, now returning a table of one row: PostgreSQL inlines a set-returning SQL function
-- into the query that calls it, while it runs one returning a record as a query of its own for every row, which cost
-- about 0.1 ms a row (a 30-day query by hour reads 720 rows, a batch of minutes writes 2,000).
DROP FUNCTION oee_ratios_from_sums;
CREATE FUNCTION oee_ratios_from_sums(p_planned bigint, p_run bigint, p_total bigint, p_good bigint,
                                     p_ideal double precision, p_good_ideal double precision)
RETURNS TABLE (availability double precision, performance double precision, quality double precision,
               oee double precision, performance_above_1 boolean)
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_run::double precision / NULLIF(p_planned, 0),
           p_ideal / NULLIF(p_run, 0),
           CASE WHEN p_total = 0 THEN NULL
                WHEN p_ideal > 0 THEN p_good_ideal / p_ideal
                ELSE p_good::double precision / p_total END,
           p_good_ideal / NULLIF(p_planned, 0),
           COALESCE(p_ideal / NULLIF(p_run, 0) > 1, false)
$$;

-- A roll-up row's values after a change: the previous sums (all NULL for a row not yet there) plus the change, and
-- the ratios from the new sums.
CREATE FUNCTION oee_rollup_after(p_planned bigint, p_run bigint, p_total bigint, p_good bigint,
                                 p_ideal_sum double precision, p_good_ideal_sum double precision,
                                 p_unknown integer,
                                 c_planned bigint, c_run bigint, c_total bigint, c_good bigint,
                                 c_ideal_sum double precision, c_good_ideal_sum double precision, c_unknown bigint)
RETURNS TABLE (planned_ms bigint, run_ms bigint, total_count bigint, good_count bigint,
               ideal_ms_sum double precision, good_ideal_ms_sum double precision, ideal_unknown_minutes integer,
               ideal_ms double precision, good_ideal_ms double precision, availability double precision,
               performance double precision, quality double precision, oee double precision,
               performance_above_1 boolean)
LANGUAGE sql IMMUTABLE AS $$
    SELECT s.planned, s.run, s.total, s.good, s.ideal_sum, s.good_ideal_sum, s.unknown,
           CASE WHEN s.unknown = 0 THEN s.ideal_sum END, CASE WHEN s.unknown = 0 THEN s.good_ideal_sum END,
           r.availability, r.performance, r.quality, r.oee, r.performance_above_1
    FROM (SELECT COALESCE(p_planned, 0) + c_planned AS planned, COALESCE(p_run, 0) + c_run AS run,
                 COALESCE(p_total, 0) + c_total AS total, COALESCE(p_good, 0) + c_good AS good,
                 COALESCE(p_ideal_sum, 0) + c_ideal_sum AS ideal_sum,
                 COALESCE(p_good_ideal_sum, 0) + c_good_ideal_sum AS good_ideal_sum,
                 (COALESCE(p_unknown, 0) + c_unknown)::integer AS unknown) s
    CROSS JOIN LATERAL oee_ratios_from_sums(s.planned, s.run, s.total, s.good,
            CASE WHEN s.unknown = 0 THEN s.ideal_sum END, CASE WHEN s.unknown = 0 THEN s.good_ideal_sum END) r
$$;

-- A group's hours, pre-summed: for each group and UTC hour the sums of its members' oee_1h rows (machines: how many
-- members have a row for the hour). A group's OEE by hour over 30 days reads 720 rows here instead of 72,000 for
-- 100 machines, and stays the summed-component rule: the sums are the members' sums, the ratios are computed from
-- them when read. The OEE writer adds each batch's hour changes to every group of the machine; adding or removing a
-- member adds or subtracts the machine's hours. Both take a lock per organisation (shared for the writer, exclusive
-- for a membership change), so a change of either kind is never summed from the other's half-written state.
CREATE TABLE oee_group_1h (
    org_slug               text NOT NULL,
    group_id               text NOT NULL,
    bucket_start           timestamptz NOT NULL,
    machines               integer NOT NULL,
    planned_ms             bigint NOT NULL,
    run_ms                 bigint NOT NULL,
    total_count            bigint NOT NULL,
    good_count             bigint NOT NULL,
    ideal_ms_sum           double precision NOT NULL,
    good_ideal_ms_sum      double precision NOT NULL,
    ideal_unknown_minutes  bigint NOT NULL,
    PRIMARY KEY (org_slug, group_id, bucket_start)
) WITH (fillfactor = 70);

-- The lock that orders the OEE writer's batches and membership changes of one organisation.
CREATE FUNCTION lock_oee_group_sums(p_org_slug text, p_exclusive boolean) RETURNS void
LANGUAGE sql AS $$
    SELECT CASE WHEN p_exclusive THEN pg_advisory_xact_lock(20, hashtext(p_org_slug))
                ELSE pg_advisory_xact_lock_shared(20, hashtext(p_org_slug)) END
$$;

-- Adds (p_sign 1) or subtracts (-1) the hours of the machines in p_members to or from their groups.
CREATE FUNCTION add_member_hours(p_members device_group_members[], p_sign integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lock_oee_group_sums(org_slug, true) FROM (SELECT DISTINCT org_slug FROM unnest(p_members) ORDER BY 1) o;
    INSERT INTO oee_group_1h AS r
    SELECT m.org_slug, m.group_id, h.bucket_start, p_sign * count(*), p_sign * sum(h.planned_ms),
           p_sign * sum(h.run_ms), p_sign * sum(h.total_count), p_sign * sum(h.good_count),
           p_sign * sum(h.ideal_ms_sum), p_sign * sum(h.good_ideal_ms_sum), p_sign * sum(h.ideal_unknown_minutes)
    FROM unnest(p_members) m JOIN oee_1h h USING (org_slug, device_id)
    GROUP BY 1, 2, 3
    ON CONFLICT (org_slug, group_id, bucket_start) DO UPDATE SET
        machines = r.machines + EXCLUDED.machines, planned_ms = r.planned_ms + EXCLUDED.planned_ms,
        run_ms = r.run_ms + EXCLUDED.run_ms, total_count = r.total_count + EXCLUDED.total_count,
        good_count = r.good_count + EXCLUDED.good_count, ideal_ms_sum = r.ideal_ms_sum + EXCLUDED.ideal_ms_sum,
        good_ideal_ms_sum = r.good_ideal_ms_sum + EXCLUDED.good_ideal_ms_sum,
        ideal_unknown_minutes = r.ideal_unknown_minutes + EXCLUDED.ideal_unknown_minutes;
    -- Only a member leaving can empty an hour; adding one never does, so it skips reading the group's hours again.
    IF p_sign < 0 THEN
        DELETE FROM oee_group_1h r USING (SELECT DISTINCT org_slug, group_id FROM unnest(p_members)) g
        WHERE r.org_slug = g.org_slug AND r.group_id = g.group_id AND r.machines = 0;
    END IF;
END
$$;

CREATE FUNCTION members_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM add_member_hours(ARRAY(SELECT (org_slug, group_id, device_id)::device_group_members FROM added), 1);
    RETURN NULL;
END
$$;

CREATE FUNCTION members_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM add_member_hours(ARRAY(SELECT (org_slug, group_id, device_id)::device_group_members FROM removed), -1);
    RETURN NULL;
END
$$;

CREATE TRIGGER group_hours_on_members_added AFTER INSERT ON device_group_members
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION members_added();
CREATE TRIGGER group_hours_on_members_removed AFTER DELETE ON device_group_members
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION members_removed();
-- A member row is added or removed, never changed: the sums follow inserts and deletes only.
CREATE FUNCTION members_are_not_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'device_group_members rows are added or removed, not changed';
END
$$;
CREATE TRIGGER group_members_are_not_updated BEFORE UPDATE ON device_group_members
    FOR EACH STATEMENT EXECUTE FUNCTION members_are_not_updated();

SELECT add_member_hours(ARRAY(SELECT m FROM device_group_members m), 1);

-- Writes a batch of minutes, one array element per minute (p_bucket_ms: the minute's start in epoch milliseconds).
-- A minute that appears twice in a batch is written as its last appearance.
CREATE PROCEDURE write_oee_minutes(p_org_slug text[], p_device_id text[], p_bucket_ms bigint[],
                                   p_planned_ms bigint[], p_run_ms bigint[], p_total_count bigint[],
                                   p_good_count bigint[], p_ideal_cycle_ms double precision[],
                                   p_ideal_ms double precision[], p_good_ideal_ms double precision[],
                                   p_availability double precision[], p_performance double precision[],
                                   p_quality double precision[], p_oee double precision[],
                                   p_performance_above_1 boolean[])
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
                    p_oee, p_performance_above_1)
             WITH ORDINALITY AS b(org_slug, device_id, bucket_ms, planned_ms, run_ms, total_count, good_count,
                                  ideal_cycle_ms, ideal_ms, good_ideal_ms, availability, performance, quality,
                                  oee, performance_above_1, position)
        ORDER BY b.org_slug, b.device_id, b.bucket_ms, b.position DESC),
    change AS (
        SELECT b.org_slug, b.device_id, b.bucket_start, COALESCE(o.time_zone, 'UTC') AS time_zone,
               b.planned_ms - COALESCE(m.planned_ms, 0) AS planned_ms, b.run_ms - COALESCE(m.run_ms, 0) AS run_ms,
               b.total_count - COALESCE(m.total_count, 0) AS total_count,
               b.good_count - COALESCE(m.good_count, 0) AS good_count,
               COALESCE(b.ideal_ms, 0) - COALESCE(m.ideal_ms, 0) AS ideal_ms,
               COALESCE(b.good_ideal_ms, 0) - COALESCE(m.good_ideal_ms, 0) AS good_ideal_ms,
               (b.ideal_ms IS NULL)::integer - (m.org_slug IS NOT NULL AND m.ideal_ms IS NULL)::integer
                   AS ideal_unknown
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
                        performance_above_1)
    SELECT org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count, ideal_cycle_ms,
           ideal_ms, good_ideal_ms, availability, performance, quality, oee, performance_above_1
    FROM batch
    ON CONFLICT (org_slug, device_id, bucket_start) DO UPDATE SET
        planned_ms = EXCLUDED.planned_ms, run_ms = EXCLUDED.run_ms, total_count = EXCLUDED.total_count,
        good_count = EXCLUDED.good_count, ideal_cycle_ms = EXCLUDED.ideal_cycle_ms, ideal_ms = EXCLUDED.ideal_ms,
        good_ideal_ms = EXCLUDED.good_ideal_ms, availability = EXCLUDED.availability,
        performance = EXCLUDED.performance, quality = EXCLUDED.quality, oee = EXCLUDED.oee,
        performance_above_1 = EXCLUDED.performance_above_1, updated_at = now();
END
$$;

-- One minute, for seeding and for SQL users: the batch procedure with a batch of one.
CREATE OR REPLACE PROCEDURE upsert_oee_minute(p_org_slug text, p_device_id text, p_bucket_start timestamptz,
                                              p_planned_ms bigint, p_run_ms bigint, p_total_count bigint,
                                              p_good_count bigint, p_ideal_cycle_ms double precision,
                                              p_ideal_ms double precision, p_good_ideal_ms double precision,
                                              p_availability double precision, p_performance double precision,
                                              p_quality double precision, p_oee double precision,
                                              p_performance_above_1 boolean)
LANGUAGE plpgsql AS $$
BEGIN
    CALL write_oee_minutes(ARRAY[p_org_slug], ARRAY[p_device_id],
                           ARRAY[(extract(epoch FROM p_bucket_start) * 1000)::bigint], ARRAY[p_planned_ms],
                           ARRAY[p_run_ms], ARRAY[p_total_count], ARRAY[p_good_count], ARRAY[p_ideal_cycle_ms],
                           ARRAY[p_ideal_ms], ARRAY[p_good_ideal_ms], ARRAY[p_availability], ARRAY[p_performance],
                           ARRAY[p_quality], ARRAY[p_oee], ARRAY[p_performance_above_1]);
END
$$;


-- An hour's row is rewritten every minute and a day's every minute of the day: room on each page lets PostgreSQL
-- update them in place (a heap-only update, no new index entries), for the pages written from now on.
ALTER TABLE oee_1h SET (fillfactor = 70);
ALTER TABLE oee_1d SET (fillfactor = 70);

-- Dashboards may read the groups' hours as they read the machines' (V13).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'plantline_dashboards') THEN
        GRANT SELECT ON oee_group_1h TO plantline_dashboards;
    END IF;
END
$$;

-- The writer looks up each minute's, hour's and day's previous row by its whole key. On a table without statistics
-- yet (a new installation, before autovacuum's first ANALYZE) the planner took the (org_slug, bucket_start) index for
-- that and read every machine's row of the minute for each lookup: 600 rows/s instead of 16,000 (bench/oee-sink.sh,
-- first round). With the device as the index's last column either index finds the one row, and range queries over an
-- organisation use it as before.
DROP INDEX oee_1m_org_bucket_idx, oee_1h_org_bucket_idx, oee_1d_org_bucket_idx;
CREATE INDEX oee_1m_org_bucket_idx ON oee_1m (org_slug, bucket_start, device_id);
CREATE INDEX oee_1h_org_bucket_idx ON oee_1h (org_slug, bucket_start, device_id);
CREATE INDEX oee_1d_org_bucket_idx ON oee_1d (org_slug, bucket_start, device_id);
