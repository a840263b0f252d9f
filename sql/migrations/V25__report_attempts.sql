-- How often a report was started: a report whose server stops or dies each time is failed after report-max-attempts,
-- not taken up for ever. A report started before this counts its one start.
ALTER TABLE reports ADD COLUMN attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0);
UPDATE reports SET attempts = 1 WHERE status <> 'queued';
-- The ready mail is a message of the notification outbox now, whose delivery log tells how it went.
ALTER TABLE reports DROP COLUMN mailed_at, DROP COLUMN mail_error;
