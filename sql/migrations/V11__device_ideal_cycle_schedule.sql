-- A device's ideal cycle time becomes a schedule: a list of {"effectiveFrom", "idealCycleSeconds"} periods in time
-- order (io.plantline.model.IdealCycleSchedule), where a write replaces everything from its effectiveFrom on. The
-- API shows the value in force now and the schedule; the OEE job applies the same schedule, which every settings
-- record on factory.rules carries whole. A value set before this migration applied from some moment the table did
-- not keep; it is taken to apply from the device's creation.
ALTER TABLE devices ADD COLUMN ideal_cycle_schedule jsonb NOT NULL DEFAULT '[]'
    CHECK (jsonb_typeof(ideal_cycle_schedule) = 'array');
UPDATE devices SET ideal_cycle_schedule = jsonb_build_array(jsonb_build_object(
        'effectiveFrom', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'idealCycleSeconds', ideal_cycle_seconds))
    WHERE ideal_cycle_seconds IS NOT NULL;
ALTER TABLE devices DROP COLUMN ideal_cycle_seconds;
