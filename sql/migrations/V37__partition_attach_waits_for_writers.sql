-- create_partitions (V36) attached a new partition while writers and readers of the table went on: a row inserted
-- meanwhile was routed to the default partition and then refused by the attached range's constraint (SQLSTATE 23514,
-- which a job's sink takes for a row the database refuses: a dead letter, the row lost to the table), and a read
-- meanwhile could miss the rows moved out of the default partition. It now makes writers, and where rows move also
-- readers, wait for the few milliseconds of the move and attach (PartitionAttachWhileWritingTest).
CREATE OR REPLACE FUNCTION create_partitions(p_table text, p_from timestamptz, p_to timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    t partitioned_tables;
    bucket timestamptz;
    bucket_end timestamptz;
    part text;
    created integer := 0;
    waiting boolean;
BEGIN
    SELECT * INTO STRICT t FROM partitioned_tables WHERE table_name = p_table;
    bucket := date_trunc(t.step, p_from, 'UTC');
    WHILE bucket <= p_to LOOP
        -- In UTC: a day or month added in the session's zone would follow its daylight-saving changes.
        bucket_end := ((bucket AT TIME ZONE 'UTC') + ('1 ' || t.step)::interval) AT TIME ZONE 'UTC';
        part := p_table || '_p' || to_char(bucket AT TIME ZONE 'UTC',
                                           CASE t.step WHEN 'day' THEN 'YYYYMMDD' WHEN 'month' THEN 'YYYYMM' ELSE 'YYYY' END);
        IF NOT EXISTS (SELECT 1 FROM table_partitions(p_table) WHERE lower_bound = bucket) THEN
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)%s',
                           part, p_table, COALESCE(' WITH (' || t.storage || ')', ''));
            -- Writers wait until the partition is attached: one routed to the default partition before the attach
            -- would be refused after it ("violates partition constraint"), and a job's sink takes that for a row the
            -- database refuses. Where rows of the range wait in the default partition, readers wait too: one that
            -- took its snapshot before the move would otherwise plan the new partition (empty to it) and skip the
            -- default one, and see none of them. Locks in the order attaching takes them (the table, then its
            -- default partition), so a TRUNCATE of the table meanwhile waits instead of deadlocking.
            EXECUTE format('LOCK TABLE %I IN SHARE ROW EXCLUSIVE MODE', p_table);
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %1$I WHERE %2$I >= $1 AND %2$I < $2)',
                           p_table || '_default', t.time_column) INTO waiting USING bucket, bucket_end;
            IF waiting THEN
                EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', p_table);
            END IF;
            EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', p_table || '_default');
            EXECUTE format('WITH moved AS (DELETE FROM %1$I WHERE %2$I >= $1 AND %2$I < $2 RETURNING *) '
                           'INSERT INTO %3$I SELECT * FROM moved', p_table || '_default', t.time_column, part)
                USING bucket, bucket_end;
            EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                           p_table, part, bucket, bucket_end);
            created := created + 1;
        END IF;
        bucket := bucket_end;
    END LOOP;
    RETURN created;
END
$$;
