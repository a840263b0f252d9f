-- A login's refresh tokens (one family) are its session: access tokens name it and stop working once it is revoked,
-- and it ends at a fixed time however often it is refreshed. Sessions started before this migration end when their
-- current refresh token would have expired.
ALTER TABLE refresh_tokens ADD COLUMN session_expires_at timestamptz;
UPDATE refresh_tokens SET session_expires_at = expires_at;
ALTER TABLE refresh_tokens ALTER COLUMN session_expires_at SET NOT NULL;
