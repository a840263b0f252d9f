-- Firmware images and staged roll-outs (OTA); the device-lifecycle job moves ota_targets through their states.

CREATE TABLE firmware (
    org_slug        text NOT NULL REFERENCES organisations (slug) ON DELETE CASCADE,
    firmware_id     uuid NOT NULL DEFAULT gen_random_uuid(),
    hardware_model  text NOT NULL DEFAULT '',
    version         text NOT NULL CHECK (version ~ '^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$'),
    size_bytes      bigint NOT NULL CHECK (size_bytes BETWEEN 0 AND 10485760),
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content         bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (org_slug, firmware_id),
    UNIQUE (org_slug, hardware_model, version),
    CHECK (octet_length(content) = size_bytes)
);
-- The daily upload quota sums an organisation's uploads of the last day.
CREATE INDEX firmware_org_created_idx ON firmware (org_slug, created_at);

CREATE TABLE ota_deployments (
    org_slug        text NOT NULL REFERENCES organisations (slug) ON DELETE CASCADE,
    deployment_id   text NOT NULL CHECK (deployment_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$'),
    firmware_id     uuid NOT NULL,
    status          text NOT NULL CHECK (status IN ('RUNNING', 'PAUSED', 'CANCELLED', 'COMPLETED')),
    -- Stage sizes and success / failure thresholds, as the API validated them.
    policy          jsonb NOT NULL,
    current_stage   integer NOT NULL DEFAULT 0 CHECK (current_stage >= 0),
    pause_reason    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_slug, deployment_id),
    -- A deployment keeps its firmware: the image cannot be deleted while a roll-out refers to it.
    FOREIGN KEY (org_slug, firmware_id) REFERENCES firmware (org_slug, firmware_id) ON DELETE RESTRICT
);
CREATE INDEX ota_deployments_org_created_idx ON ota_deployments (org_slug, created_at DESC);

CREATE TABLE ota_targets (
    org_slug        text NOT NULL,
    deployment_id   text NOT NULL,
    device_id       text NOT NULL,
    stage           integer NOT NULL CHECK (stage >= 0),
    state           text NOT NULL CHECK (state IN ('QUEUED', 'SENT', 'DOWNLOADING', 'DOWNLOADED', 'VERIFIED',
                                                   'INSTALLING', 'SUCCEEDED', 'FAILED')),
    reason          text,
    progress        integer CHECK (progress BETWEEN 0 AND 100),
    state_since     timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_slug, deployment_id, device_id),
    FOREIGN KEY (org_slug, deployment_id) REFERENCES ota_deployments (org_slug, deployment_id) ON DELETE CASCADE,
    FOREIGN KEY (org_slug, device_id) REFERENCES devices (org_slug, device_id) ON DELETE CASCADE,
    CHECK ((state = 'FAILED') = (reason IS NOT NULL))
);
CREATE INDEX ota_targets_progress_idx ON ota_targets (org_slug, deployment_id, stage, state);
CREATE INDEX ota_targets_device_idx ON ota_targets (org_slug, device_id);
