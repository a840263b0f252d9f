-- Refresh tokens of the control API, stored only as SHA-256 hashes. Each login starts a family; a refresh
-- replaces the presented token by a new one of the same family. A token presented a second time means it was
-- stolen (or replayed), so the whole family is revoked.
CREATE TABLE refresh_tokens (
    token_hash  text PRIMARY KEY,
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- HTTP ingestion finds a device by the public prefix of the write key it presents, then compares hashes.
CREATE UNIQUE INDEX devices_write_key_prefix_key ON devices (write_key_prefix);
