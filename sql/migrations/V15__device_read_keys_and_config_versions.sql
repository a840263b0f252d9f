-- Read keys: a device, or an integration acting for it, reads its configuration, metadata and latest readings with
-- its read key, which cannot write. Stored as write keys are: the whole key only hashed, its prefix in clear to find
-- the device.
ALTER TABLE devices
    ADD COLUMN read_key_hash   text,
    ADD COLUMN read_key_prefix text;
CREATE UNIQUE INDEX devices_read_key_prefix_key ON devices (read_key_prefix);

-- Every change of a device's configuration is a new version sent to the device on its commands topic; the device
-- reports each version it applied, or why it could not. The newest version it applied, and its last report.
ALTER TABLE devices
    ADD COLUMN config_version          bigint NOT NULL DEFAULT 0 CHECK (config_version >= 0),
    ADD COLUMN config_applied_version  bigint,
    ADD COLUMN config_reported_version bigint,
    ADD COLUMN config_reported_at      timestamptz,
    ADD COLUMN config_report_error     text CHECK (length(config_report_error) <= 1000);
