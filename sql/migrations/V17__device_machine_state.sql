-- The machine's current state, written by the OEE job from the machine's `state` events: the newest event time wins,
-- so a replay, a duplicate or an event delivered out of order never sets an older state over a newer one.
ALTER TABLE devices
    ADD COLUMN machine_state       text CHECK (machine_state IN ('RUNNING', 'IDLE', 'DOWN', 'PLANNED_STOP')),
    ADD COLUMN machine_state_since timestamptz,
    ADD CONSTRAINT devices_machine_state_has_since CHECK ((machine_state IS NULL) = (machine_state_since IS NULL));
