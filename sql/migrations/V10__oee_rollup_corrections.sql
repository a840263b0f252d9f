-- A minute rewritten with less run time (or fewer parts) adds a negative change to its hour and day. V7 added it
-- through INSERT ... ON CONFLICT DO UPDATE, and PostgreSQL checks the row it would insert against the table's
-- CHECK constraints before it finds the conflict, so the change itself (run_ms -9,999) was refused and the OEE job
-- crash-looped. The roll-up row is updated where it exists and inserted only where it does not, when the change
-- is the whole minute and so never negative.
CREATE OR REPLACE PROCEDURE add_to_oee_1h(p_org_slug text, p_device_id text, p_bucket_start timestamptz,
                                          p_planned_ms bigint, p_run_ms bigint, p_total_count bigint,
                                          p_good_count bigint, p_ideal_ms double precision,
                                          p_good_ideal_ms double precision, p_ideal_unknown_minutes integer)
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE oee_1h r SET
        planned_ms = r.planned_ms + p_planned_ms, run_ms = r.run_ms + p_run_ms,
        total_count = r.total_count + p_total_count, good_count = r.good_count + p_good_count,
        ideal_ms_sum = r.ideal_ms_sum + p_ideal_ms, good_ideal_ms_sum = r.good_ideal_ms_sum + p_good_ideal_ms,
        ideal_unknown_minutes = r.ideal_unknown_minutes + p_ideal_unknown_minutes
    WHERE org_slug = p_org_slug AND device_id = p_device_id AND bucket_start = p_bucket_start;
    IF NOT FOUND THEN
        INSERT INTO oee_1h (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count,
                            ideal_ms_sum, good_ideal_ms_sum, ideal_unknown_minutes)
        VALUES (p_org_slug, p_device_id, p_bucket_start, p_planned_ms, p_run_ms, p_total_count, p_good_count,
                p_ideal_ms, p_good_ideal_ms, p_ideal_unknown_minutes);
    END IF;
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

CREATE OR REPLACE PROCEDURE add_to_oee_1d(p_org_slug text, p_device_id text, p_bucket_start timestamptz,
                                          p_planned_ms bigint, p_run_ms bigint, p_total_count bigint,
                                          p_good_count bigint, p_ideal_ms double precision,
                                          p_good_ideal_ms double precision, p_ideal_unknown_minutes integer)
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE oee_1d r SET
        planned_ms = r.planned_ms + p_planned_ms, run_ms = r.run_ms + p_run_ms,
        total_count = r.total_count + p_total_count, good_count = r.good_count + p_good_count,
        ideal_ms_sum = r.ideal_ms_sum + p_ideal_ms, good_ideal_ms_sum = r.good_ideal_ms_sum + p_good_ideal_ms,
        ideal_unknown_minutes = r.ideal_unknown_minutes + p_ideal_unknown_minutes
    WHERE org_slug = p_org_slug AND device_id = p_device_id AND bucket_start = p_bucket_start;
    IF NOT FOUND THEN
        INSERT INTO oee_1d (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count,
                            ideal_ms_sum, good_ideal_ms_sum, ideal_unknown_minutes)
        VALUES (p_org_slug, p_device_id, p_bucket_start, p_planned_ms, p_run_ms, p_total_count, p_good_count,
                p_ideal_ms, p_good_ideal_ms, p_ideal_unknown_minutes);
    END IF;
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
