-- Every firmware upload, kept for the daily upload quota: deleting an image does not give its bytes back, or an
-- organisation could upload without limit by deleting as it goes.
CREATE TABLE firmware_uploads (
    org_slug     text NOT NULL REFERENCES organisations (slug) ON DELETE CASCADE,
    uploaded_at  timestamptz NOT NULL,
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0)
);
CREATE INDEX firmware_uploads_org_time_idx ON firmware_uploads (org_slug, uploaded_at);

-- Failures an operator has accepted by resuming a paused roll-out: the failure threshold counts only newer ones.
ALTER TABLE ota_deployments ADD COLUMN failures_accepted integer NOT NULL DEFAULT 0 CHECK (failures_accepted >= 0);
