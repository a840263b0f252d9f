-- Device profiles: templates of a type of device. Its metrics (name, unit, valid range) are checked at the edge, in
-- the bridge and in HTTP ingestion, for every device assigned the profile: a reading of an undeclared metric or out of
-- range is refused to the dead-letter topic, or, with outside_profile 'flag', accepted and marked. Its configuration
-- fields (name, type, default) and metadata fields (name, default) check and complete what is written to such a
-- device.
CREATE TABLE device_profiles (
    org_slug        text NOT NULL REFERENCES organisations (slug) ON DELETE CASCADE,
    profile_id      text NOT NULL CHECK (profile_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$'),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    metrics         jsonb NOT NULL DEFAULT '[]'::jsonb,
    config_fields   jsonb NOT NULL DEFAULT '[]'::jsonb,
    metadata_fields jsonb NOT NULL DEFAULT '[]'::jsonb,
    outside_profile text NOT NULL DEFAULT 'reject' CHECK (outside_profile IN ('reject', 'flag')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_slug, profile_id)
);

-- A profile in use cannot be deleted (the API answers 409 first).
ALTER TABLE devices ADD COLUMN profile_id text;
ALTER TABLE devices ADD CONSTRAINT devices_profile_fkey FOREIGN KEY (org_slug, profile_id)
    REFERENCES device_profiles (org_slug, profile_id);
CREATE INDEX devices_profile_idx ON devices (org_slug, profile_id) WHERE profile_id IS NOT NULL;
