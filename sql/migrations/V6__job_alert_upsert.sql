-- How the telemetry analytics job writes an alert. One procedure, because two things must happen in order and
-- a single INSERT ... ON CONFLICT cannot do both: first close an alert of the same device and rule that is still
-- open in the table but older than this one (the job started without its state, or forgot it after the state
-- TTL), then upsert this one. The job writes only its own columns; the status only moves forward
-- (ACTIVE, ACKNOWLEDGED, CLEARED, RESOLVED), so a clear never undoes a resolution and a replayed open never
-- undoes a clear or an acknowledgement.
CREATE PROCEDURE upsert_job_alert(p_id uuid, p_org_slug text, p_device_id text, p_rule_id text, p_metric text,
                                  p_severity text, p_status text, p_opened_at timestamptz,
                                  p_last_value double precision, p_peak_value double precision,
                                  p_escalated_at timestamptz, p_cleared_at timestamptz)
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE alerts SET status = 'CLEARED', cleared_at = p_opened_at, updated_at = now()
    WHERE org_slug = p_org_slug AND device_id = p_device_id AND rule_id = p_rule_id AND id <> p_id
      AND opened_at < p_opened_at AND status IN ('ACTIVE', 'ACKNOWLEDGED');
    BEGIN
        INSERT INTO alerts (id, org_slug, device_id, rule_id, metric, severity, status, opened_at, last_value,
                            peak_value, escalated_at, cleared_at)
        VALUES (p_id, p_org_slug, p_device_id, p_rule_id, p_metric, p_severity, p_status, p_opened_at, p_last_value,
                p_peak_value, p_escalated_at, p_cleared_at)
        ON CONFLICT (id) DO UPDATE SET
            severity = EXCLUDED.severity,
            last_value = EXCLUDED.last_value,
            peak_value = EXCLUDED.peak_value,
            escalated_at = COALESCE(alerts.escalated_at, EXCLUDED.escalated_at),
            cleared_at = COALESCE(alerts.cleared_at, EXCLUDED.cleared_at),
            status = CASE WHEN EXCLUDED.status = 'CLEARED' AND alerts.status IN ('ACTIVE', 'ACKNOWLEDGED')
                          THEN 'CLEARED' ELSE alerts.status END,
            updated_at = now();
    EXCEPTION WHEN unique_violation THEN
        -- A newer alert of this device and rule is open: this older one is history, recorded as closed.
        INSERT INTO alerts (id, org_slug, device_id, rule_id, metric, severity, status, opened_at, last_value,
                            peak_value, escalated_at, cleared_at)
        VALUES (p_id, p_org_slug, p_device_id, p_rule_id, p_metric, p_severity, 'CLEARED', p_opened_at, p_last_value,
                p_peak_value, p_escalated_at, COALESCE(p_cleared_at, p_opened_at))
        ON CONFLICT (id) DO NOTHING;
    END;
END
$$;
