-- The API's registry: organisations, their users, devices and device groups.
-- Natural keys everywhere (org slug, device id chosen by the user), as the pipeline names things so.

CREATE TABLE organisations (
    slug        text PRIMARY KEY CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Daily OEE roll-ups cut days at midnight in this zone (IANA name).
    time_zone   text NOT NULL DEFAULT 'UTC',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_slug      text NOT NULL REFERENCES organisations (slug) ON DELETE CASCADE,
    email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    display_name  text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- Login is by e-mail alone, so an address names one user across all organisations.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_org_idx ON users (org_slug);

CREATE TABLE devices (
    org_slug            text NOT NULL REFERENCES organisations (slug) ON DELETE CASCADE,
    device_id           text NOT NULL CHECK (device_id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    name                text NOT NULL DEFAULT '',
    hardware_model      text NOT NULL DEFAULT '',
    enabled             boolean NOT NULL DEFAULT true,
    -- Write keys are shown once and stored only as a hash; the prefix lets a user tell keys apart.
    write_key_hash      text,
    write_key_prefix    text,
    ideal_cycle_seconds double precision CHECK (ideal_cycle_seconds > 0),
    metadata            jsonb NOT NULL DEFAULT '{}'::jsonb,
    config              jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- Written by the device-lifecycle job.
    online              boolean NOT NULL DEFAULT false,
    last_seen_at        timestamptz,
    firmware_current    text,
    firmware_previous   text,
    firmware_target     text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_slug, device_id)
);
CREATE INDEX devices_org_enabled_idx ON devices (org_slug, enabled);
CREATE INDEX devices_org_online_idx ON devices (org_slug, online);
CREATE INDEX devices_org_firmware_idx ON devices (org_slug, firmware_current);

CREATE TABLE device_groups (
    org_slug    text NOT NULL REFERENCES organisations (slug) ON DELETE CASCADE,
    group_id    text NOT NULL CHECK (group_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_slug, group_id),
    UNIQUE (org_slug, name)
);

CREATE TABLE device_group_members (
    org_slug    text NOT NULL,
    group_id    text NOT NULL,
    device_id   text NOT NULL,
    PRIMARY KEY (org_slug, group_id, device_id),
    FOREIGN KEY (org_slug, group_id) REFERENCES device_groups (org_slug, group_id) ON DELETE CASCADE,
    FOREIGN KEY (org_slug, device_id) REFERENCES devices (org_slug, device_id) ON DELETE CASCADE
);
-- "Which groups is this device in" and group-scoped KPI queries.
CREATE INDEX device_group_members_device_idx ON device_group_members (org_slug, device_id);
