-- A subscription filtered to a group refers to that group: a group that filters subscriptions cannot be deleted
-- (the API answers 409 naming them). Subscriptions whose group was deleted before this matched no device any more
-- and sent nothing; they are removed rather than widened to every device.
DELETE FROM notification_subscriptions s
 WHERE s.group_id IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM device_groups g WHERE g.org_slug = s.org_slug AND g.group_id = s.group_id);

-- NO ACTION (checked at the end of the statement), so deleting an organisation, which cascades to both, still works.
ALTER TABLE notification_subscriptions
    ADD CONSTRAINT notification_subscriptions_group_fkey
    FOREIGN KEY (org_slug, group_id) REFERENCES device_groups (org_slug, group_id);
