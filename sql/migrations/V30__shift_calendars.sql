-- Shift calendars: an organisation's own (group_id NULL) and its lines' (a group's), each a list of periods. A period
-- holds the calendar in force from its effective_from on, or NULL for "no calendar" (every minute scheduled). A write
-- from some time on replaces the periods from then on, as a device's ideal cycle time does.
CREATE TABLE shift_calendars (
    org_slug        text NOT NULL REFERENCES organisations (slug) ON DELETE CASCADE,
    group_id        text,
    effective_from  timestamptz NOT NULL,
    calendar        jsonb,
    written_at      timestamptz NOT NULL,
    written_by      text NOT NULL,
    FOREIGN KEY (org_slug, group_id) REFERENCES device_groups (org_slug, group_id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX shift_calendars_period ON shift_calendars (org_slug, coalesce(group_id, ''), effective_from);
