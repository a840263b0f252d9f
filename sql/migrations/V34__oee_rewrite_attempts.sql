-- A rewrite whose slice fails is tried again after a back-off that grows with each failure, and meanwhile the other
-- machines' rewrites go on; the API shows the failures. Both are cleared when a slice succeeds or the rewrite is asked
-- again (the new write may be what fixes it).
ALTER TABLE oee_rewrites
    ADD COLUMN attempts         integer NOT NULL DEFAULT 0,   -- failed attempts since the last slice that succeeded
    ADD COLUMN last_failed_at   timestamptz,
    ADD COLUMN next_attempt_at  timestamptz;                  -- not tried before this; NULL: at once
