-- Views for analysts and dashboards: the KPI tables with the machine's and line's names, local times in the
-- organisation's zone and ratios computed by the contract's rule (sums first). Their names and columns are a
-- contract (docs/analyst-views.md): columns may be added, none renamed or removed. The dashboard role reads them
-- with the views' owner's rights, so kpi_machines shows devices without their keys, configuration or metadata.

CREATE VIEW kpi_machines AS
SELECT d.org_slug, d.device_id, d.name, d.hardware_model, d.enabled, d.online, d.last_seen_at, d.firmware_current,
       d.machine_state, d.machine_state_since,
       coalesce((SELECT array_agg(m.group_id ORDER BY m.group_id) FROM device_group_members m
                 WHERE m.org_slug = d.org_slug AND m.device_id = d.device_id), '{}') AS group_ids
FROM devices d;

CREATE VIEW kpi_oee_machine_minutes AS
SELECT o.org_slug, o.device_id, d.name AS machine_name, o.bucket_start,
       o.bucket_start AT TIME ZONE g.time_zone AS local_start, o.planned_ms, o.run_ms, o.total_count, o.good_count,
       o.ideal_cycle_ms, o.ideal_ms, o.good_ideal_ms, o.availability, o.performance, o.quality, o.oee,
       o.performance_above_1
FROM oee_1m o
JOIN organisations g ON g.slug = o.org_slug
LEFT JOIN devices d ON d.org_slug = o.org_slug AND d.device_id = o.device_id;

CREATE VIEW kpi_oee_machine_hours AS
SELECT o.org_slug, o.device_id, d.name AS machine_name, o.bucket_start,
       o.bucket_start AT TIME ZONE g.time_zone AS local_start, o.planned_ms, o.run_ms, o.total_count, o.good_count,
       o.ideal_ms, o.good_ideal_ms, o.availability, o.performance, o.quality, o.oee, o.performance_above_1
FROM oee_1h o
JOIN organisations g ON g.slug = o.org_slug
LEFT JOIN devices d ON d.org_slug = o.org_slug AND d.device_id = o.device_id;

-- A day starts at midnight in the organisation's zone, so local_date names it.
CREATE VIEW kpi_oee_machine_days AS
SELECT o.org_slug, o.device_id, d.name AS machine_name, o.bucket_start,
       (o.bucket_start AT TIME ZONE g.time_zone)::date AS local_date, o.planned_ms, o.run_ms, o.total_count,
       o.good_count, o.ideal_ms, o.good_ideal_ms, o.availability, o.performance, o.quality, o.oee,
       o.performance_above_1
FROM oee_1d o
JOIN organisations g ON g.slug = o.org_slug
LEFT JOIN devices d ON d.org_slug = o.org_slug AND d.device_id = o.device_id;

-- A line's hours from the pre-summed member hours; performance and OEE are NULL where a member's minute had no ideal
-- cycle time, as the API answers them.
CREATE VIEW kpi_oee_line_hours AS
SELECT s.org_slug, s.group_id, gr.name AS line_name, s.bucket_start,
       s.bucket_start AT TIME ZONE g.time_zone AS local_start, s.machines, s.planned_ms, s.run_ms, s.total_count,
       s.good_count, r.availability, r.performance, r.quality, r.oee, r.performance_above_1
FROM oee_group_1h s
JOIN organisations g ON g.slug = s.org_slug
JOIN device_groups gr ON gr.org_slug = s.org_slug AND gr.group_id = s.group_id
CROSS JOIN LATERAL oee_ratios_from_sums(s.planned_ms, s.run_ms, s.total_count, s.good_count,
        CASE WHEN s.ideal_unknown_minutes = 0 THEN s.ideal_ms_sum END,
        CASE WHEN s.ideal_unknown_minutes = 0 THEN s.good_ideal_ms_sum END) r;

CREATE VIEW kpi_telemetry_minutes AS
SELECT t.org_slug, t.device_id, d.name AS machine_name, t.metric, t.bucket_start,
       t.bucket_start AT TIME ZONE g.time_zone AS local_start, t.count, t.min, t.max, t.avg, t.stddev
FROM telemetry_1m t
JOIN organisations g ON g.slug = t.org_slug
LEFT JOIN devices d ON d.org_slug = t.org_slug AND d.device_id = t.device_id;

-- An alert's duration runs to when it cleared or was resolved, and to now while it is open.
CREATE VIEW kpi_alerts AS
SELECT a.id, a.org_slug, a.device_id, d.name AS machine_name, a.rule_id, a.metric, a.severity, a.status,
       a.status IN ('ACTIVE', 'ACKNOWLEDGED') AS is_open, a.opened_at, a.cleared_at, a.acknowledged_at, a.resolved_at,
       extract(epoch FROM coalesce(a.cleared_at, a.resolved_at, now()) - a.opened_at) AS duration_s,
       a.last_value, a.peak_value
FROM alerts a
LEFT JOIN devices d ON d.org_slug = a.org_slug AND d.device_id = a.device_id;

CREATE VIEW kpi_anomalies AS
SELECT n.org_slug, n.device_id, d.name AS machine_name, n.metric, n.ts, n.value, n.score, n.method
FROM anomalies n
LEFT JOIN devices d ON d.org_slug = n.org_slug AND d.device_id = n.device_id;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'plantline_dashboards') THEN
        GRANT SELECT ON kpi_machines, kpi_oee_machine_minutes, kpi_oee_machine_hours, kpi_oee_machine_days,
            kpi_oee_line_hours, kpi_telemetry_minutes, kpi_alerts, kpi_anomalies TO plantline_dashboards;
    END IF;
END
$$;
