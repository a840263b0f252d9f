-- An operator's classification of a stop: the reason (a code of the organisation's catalogue when given), a comment,
-- who gave it and when. It names its stop by the stop's key (organisation, device, start) and has no foreign key to
-- stops on purpose: late data may make the OEE job move a stop's start (it deletes the stop it replaces), and the
-- classification then simply matches no stop, instead of blocking the job's delete or vanishing with it. Every change
-- is recorded in api_audit (entity stop/{device}/{start}, with the reason and comment before and after in details).
CREATE TABLE stop_classifications (
    org_slug         text NOT NULL REFERENCES organisations (slug) ON DELETE CASCADE,
    device_id        text NOT NULL,
    stop_started_at  timestamptz NOT NULL,
    reason_code      text NOT NULL,
    comment          text,
    classified_by    text NOT NULL,
    classified_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_slug, device_id, stop_started_at)
);

-- Which stops overlap a range is asked by their end as well as their start: without this, a device's whole history
-- before the range's end would be read to find the few stops that end inside it.
CREATE INDEX stops_by_end ON stops (org_slug, device_id, ended_at);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'plantline_dashboards') THEN
        GRANT SELECT ON stop_classifications TO plantline_dashboards;
    END IF;
END
$$;
