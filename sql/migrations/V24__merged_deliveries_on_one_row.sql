-- A held message that a newer event replaced stayed in the delivery log as a row of its own ('merged'): a sensor
-- flapping once a second added a row a second per subscription. The held row now takes the newer event and counts the
-- one it carried (merged_count, merged_since). Each merged row is counted already in the merged_count of the row that
-- replaced it (that count included the replaced row's own), so the merged rows go and nothing is lost.
DELETE FROM notification_deliveries WHERE status = 'merged';
ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_status_check;
ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_status_check
    CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled'));
