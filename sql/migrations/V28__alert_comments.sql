-- Every comment people give an alert when acknowledging or resolving it, with who and when; the alert's page shows
-- them oldest first. alerts.comment stays the latest of them, for lists and reports that show one.
CREATE TABLE alert_comments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id    uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    text        text NOT NULL,
    written_by  text NOT NULL,
    written_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX alert_comments_alert_idx ON alert_comments (alert_id, written_at, id);

-- Until now only the latest comment was kept, without its author: it came with the alert's latest step by a person,
-- so it is credited to whoever resolved the alert, or else acknowledged it, at that time.
INSERT INTO alert_comments (alert_id, text, written_by, written_at)
SELECT id, comment, coalesce(resolved_by, acknowledged_by, 'unknown'), coalesce(resolved_at, acknowledged_at, updated_at)
FROM alerts
WHERE comment IS NOT NULL AND comment <> ''
ORDER BY coalesce(resolved_at, acknowledged_at, updated_at);
