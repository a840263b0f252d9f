-- A calendar or an ideal cycle time made effective in the past changes minutes the OEE job no longer holds (older
-- than its allowed lateness). The control API rewrites them from their stored components (V26), a slice at a time:
-- oee_rewrites holds each machine's pending rewrite and how far it has got.
CREATE TABLE oee_rewrites (
    org_slug      text NOT NULL REFERENCES organisations (slug) ON DELETE CASCADE,
    device_id     text NOT NULL,
    from_bucket   timestamptz NOT NULL,   -- the first minute to rewrite
    next_bucket   timestamptz NOT NULL,   -- the first minute not rewritten yet
    up_to         timestamptz NOT NULL,   -- rewrite the minutes before this
    requested_at  timestamptz NOT NULL,
    done_at       timestamptz,
    PRIMARY KEY (org_slug, device_id)
);

CREATE INDEX oee_rewrites_pending ON oee_rewrites (requested_at) WHERE done_at IS NULL;

-- Rewrites one machine's stored minutes with the scheduled flag and ideal cycle time (ms; NULL: none) given per
-- minute, recomputing planned and run time, ideal times and ratios from the stored components by the OEE contract,
-- through write_oee_minutes so that hours, days and group hours follow. Minutes without components (written before
-- V26) and minutes not stored are left as they are. The caller holds lock_oee_group_sums(org, true), so no job batch
-- of the organisation is written meanwhile.
CREATE PROCEDURE rewrite_oee_minutes(p_org_slug text, p_device_id text, p_bucket_ms bigint[], p_scheduled boolean[],
                                     p_ideal_cycle_ms double precision[])
LANGUAGE plpgsql AS $$
DECLARE
    m record;
BEGIN
    SELECT array_agg(p_org_slug) AS org_slug, array_agg(p_device_id) AS device_id, array_agg(n.bucket_ms) AS bucket_ms,
           array_agg(n.planned_ms) AS planned_ms, array_agg(n.run_ms) AS run_ms, array_agg(n.total_count) AS total_count,
           array_agg(n.good_count) AS good_count, array_agg(n.ideal) AS ideal_cycle_ms, array_agg(n.ideal_ms) AS ideal_ms,
           array_agg(n.good_ideal_ms) AS good_ideal_ms, array_agg(r.availability) AS availability,
           array_agg(r.performance) AS performance, array_agg(r.quality) AS quality, array_agg(r.oee) AS oee,
           array_agg(r.performance_above_1) AS performance_above_1, array_agg(n.known_ms) AS known_ms,
           array_agg(n.idle_ms) AS idle_ms, array_agg(n.down_ms) AS down_ms,
           array_agg(n.planned_stop_ms) AS planned_stop_ms, array_agg(n.scheduled) AS scheduled,
           array_agg(n.unscheduled_run_ms) AS unscheduled_run_ms
    INTO m
    FROM (SELECT s.bucket_ms, s.scheduled, s.ideal, o.total_count, o.good_count, o.known_ms, o.idle_ms, o.down_ms,
                 o.planned_stop_ms,
                 CASE WHEN s.scheduled THEN o.known_ms - o.planned_stop_ms ELSE 0 END AS planned_ms,
                 CASE WHEN s.scheduled THEN o.run_ms + o.unscheduled_run_ms ELSE 0 END AS run_ms,
                 CASE WHEN s.scheduled THEN 0 ELSE o.run_ms + o.unscheduled_run_ms END AS unscheduled_run_ms,
                 s.ideal * o.total_count AS ideal_ms, s.ideal * o.good_count AS good_ideal_ms
          FROM unnest(p_bucket_ms, p_scheduled, p_ideal_cycle_ms) AS s(bucket_ms, scheduled, ideal)
          JOIN oee_1m o ON o.org_slug = p_org_slug AND o.device_id = p_device_id
                       AND o.bucket_start = timestamptz 'epoch' + s.bucket_ms * interval '1 millisecond'
          WHERE o.known_ms IS NOT NULL) n
    CROSS JOIN LATERAL oee_ratios_from_sums(n.planned_ms, n.run_ms, n.total_count, n.good_count, n.ideal_ms,
                                            n.good_ideal_ms) r;
    IF m.bucket_ms IS NULL THEN
        RETURN;
    END IF;
    CALL write_oee_minutes(m.org_slug, m.device_id, m.bucket_ms, m.planned_ms, m.run_ms, m.total_count, m.good_count,
                           m.ideal_cycle_ms, m.ideal_ms, m.good_ideal_ms, m.availability, m.performance, m.quality,
                           m.oee, m.performance_above_1, m.known_ms, m.idle_ms, m.down_ms, m.planned_stop_ms,
                           m.scheduled, m.unscheduled_run_ms);
END
$$;
