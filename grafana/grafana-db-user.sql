-- The login Grafana reads with (run by compose's grafana-db-user, with psql -v password=...): a member of
-- plantline_dashboards, which migration V13 grants SELECT on the KPI tables, alerts, anomalies and the names of
-- organisations and groups. Run again, it sets the password anew.
SELECT format('CREATE ROLE grafana LOGIN PASSWORD %L IN ROLE plantline_dashboards', :'password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'grafana') \gexec
SELECT format('ALTER ROLE grafana WITH LOGIN PASSWORD %L', :'password') \gexec
ALTER ROLE grafana SET default_transaction_read_only = on;
