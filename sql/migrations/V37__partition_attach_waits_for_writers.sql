-- create_partitions (V36) attached a new partition while writers and readers of the table went on: a row inserted
-- meanwhile was routed to the default partition and then refused by the attached range's constraint (SQLSTATE 23514,
-- which a job's sink takes for a row the database refuses: a dead letter, the row lost to the table), and a read
-- meanwhile could miss the rows moved out of the default partition. It now has the table to itself for the few
-- milliseconds of the move and attach, once a day per table as partitions are made a week ahead
-- (PartitionAttachWhileWritingTest).
CREATE OR REPLACE FUNCTION create_partitions(p_table text, p_from timestamptz, p_to timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    t partitioned_tables;
    bucket timestamptz;
    bucket_end timestamptz;
    part text;
    created integer := 0;
BEGIN
    SELECT * INTO STRICT t FROM partitioned_tables WHERE table_name = p_table;
    bucket := date_trunc(t.step, p_from, 'UTC');
    WHILE bucket <= p_to LOOP
        -- In UTC: a day or month added in the session's zone would follow its daylight-saving changes.
        bucket_end := ((bucket AT TIME ZONE 'UTC') + ('1 ' || t.step)::interval) AT TIME ZONE 'UTC';
        part := p_table || '_p' || to_char(bucket AT TIME ZONE 'UTC',
                                           CASE t.step WHEN 'day' THEN 'YYYYMMDD' WHEN 'month' THEN 'YYYYMM' ELSE 'YYYY' END);
        IF NOT EXISTS (SELECT 1 FROM table_partitions(p_table) WHERE lower_bound = bucket) THEN
            -- The table to itself for the few milliseconds of making the partition, taken before any other lock on
            -- it (a lock upgraded later deadlocks with a writer): a writer routed to the default partition meanwhile
            -- would be refused by the attached range ("violates partition constraint", which a job's sink takes for
            -- a row the database refuses), and a reader whose snapshot came before the move would plan the new
            -- partition, empty to it, and skip the rows moved out of the default one. Then its default partition,
            -- in the order attaching takes them, so a TRUNCATE of the table meanwhile waits instead of deadlocking.
            EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', p_table);
            EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', p_table || '_default');
            -- Another server may have made it while this one waited for the lock.
            IF NOT EXISTS (SELECT 1 FROM table_partitions(p_table) WHERE lower_bound = bucket) THEN
                EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)%s',
                               part, p_table, COALESCE(' WITH (' || t.storage || ')', ''));
                EXECUTE format('WITH moved AS (DELETE FROM %1$I WHERE %2$I >= $1 AND %2$I < $2 RETURNING *) '
                               'INSERT INTO %3$I SELECT * FROM moved', p_table || '_default', t.time_column, part)
                    USING bucket, bucket_end;
                EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                               p_table, part, bucket, bucket_end);
                created := created + 1;
            END IF;
        END IF;
        bucket := bucket_end;
    END LOOP;
    RETURN created;
END
$$;
