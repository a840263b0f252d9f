-- What dashboards (Grafana) may read: the KPI tables, alerts and anomalies, and the names of organisations and
-- groups; never users, tokens, devices' key hashes, firmware or the audit log. A login role for a dashboard is made a
-- member of this one (compose: the grafana-db-user service). Making roles needs CREATEROLE; where the migrating user
-- lacks it the role is left to the database's owner and this migration grants nothing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'plantline_dashboards') THEN
        CREATE ROLE plantline_dashboards NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object THEN
        NULL;   -- made meanwhile by a migration of another schema
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'no CREATEROLE: create the role plantline_dashboards and grant it what V13 grants';
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'plantline_dashboards') THEN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO plantline_dashboards', current_schema());
        GRANT SELECT ON organisations, device_groups, device_group_members, telemetry_1m, oee_1m, oee_1h, oee_1d,
            alerts, anomalies TO plantline_dashboards;
    END IF;
END
$$;
