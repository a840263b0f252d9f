-- A message queued or held for a subscription that is deleted is cancelled, not sent: the delivery log keeps it,
-- saying so, until its retention ends.
ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_status_check;
ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_status_check
    CHECK (status IN ('pending', 'delivered', 'failed', 'merged', 'cancelled'));
