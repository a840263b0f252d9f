-- The KPI tables that grow with time become range-partitioned by their time column, so that retention drops a whole
-- partition (a file unlinked, no dead rows, no vacuum) and a range query reads only the partitions of its range.
-- Each table keeps its columns, checks, natural primary key (every one already holds the time column, as a unique
-- key on a partitioned table must), indexes, grants and the views that read it; the writers' upserts and
-- procedures (write_oee_minutes, write_telemetry_minutes, the jobs' INSERT ... ON CONFLICT) name the tables and
-- work unchanged. An existing database is migrated in place: each table is renamed, its partitioned successor
-- created with partitions covering every stored row, the rows copied, and the old table dropped.
--
-- Steps: minutes by UTC day (2,000 machines write 14.4 million telemetry minutes a day: a month in one partition
-- would be 430 million rows whose indexes outgrow memory, and retention would keep up to a month past its horizon);
-- hours and anomalies by UTC month (24 times fewer rows; 24 partitions hold two years); days by UTC year (kept for
-- ever by default). alerts stays one table: its one-open-alert-per-rule unique index cannot include a time column
-- and alert_comments refers to it by id; it grows with incidents, not with time (docs/architecture.md).
--
-- The control API creates partitions ahead of time and drops those past retention (RetentionSettings in the API's
-- options); partitioned_tables says how, so the server holds no list of its own. Rows whose partition does not exist
-- (a device's clock days off, a rewrite of an hour not yet created) land in the table's default partition instead
-- of failing the job's batch, and create_partitions moves them into the partition it makes for them.
CREATE TABLE partitioned_tables (
    table_name   text PRIMARY KEY,
    time_column  text NOT NULL,
    step         text NOT NULL CHECK (step IN ('day', 'month', 'year')),
    retention    text NOT NULL CHECK (retention IN ('minutes', 'hours', 'days', 'anomalies')),
    storage      text   -- storage parameters every partition gets (a partitioned table has none), e.g. fillfactor=70
);

INSERT INTO partitioned_tables (table_name, time_column, step, retention) VALUES
    ('telemetry_1m', 'bucket_start', 'day', 'minutes'),
    ('oee_1m', 'bucket_start', 'day', 'minutes'),
    ('oee_stop_minutes', 'bucket_start', 'day', 'minutes'),
    ('telemetry_1h', 'bucket_start', 'month', 'hours'),
    ('oee_1h', 'bucket_start', 'month', 'hours'),
    ('oee_group_1h', 'bucket_start', 'month', 'hours'),
    ('telemetry_1d', 'bucket_start', 'year', 'days'),
    ('oee_1d', 'bucket_start', 'year', 'days'),
    ('anomalies', 'ts', 'month', 'anomalies');

-- A partitioned table's partitions with their bounds, the default partition left out.
CREATE FUNCTION table_partitions(p_table text)
RETURNS TABLE (partition_name text, lower_bound timestamptz, upper_bound timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT c.relname::text, b[1]::timestamptz, b[2]::timestamptz
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)') b
    WHERE i.inhparent = p_table::regclass AND b IS NOT NULL
$$;

-- Makes every missing partition of p_table that holds an instant of [p_from, p_to], named for its UTC start
-- (telemetry_1m_p20261207, oee_1h_p202612, oee_1d_p2026); returns how many it made. A partition is made apart and
-- attached, which locks the table against neither readers nor writers (CREATE TABLE ... PARTITION OF would lock it
-- against both), after the rows that waited for it in the default partition moved in.
CREATE FUNCTION create_partitions(p_table text, p_from timestamptz, p_to timestamptz) RETURNS integer
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
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)%s',
                           part, p_table, COALESCE(' WITH (' || t.storage || ')', ''));
            -- The locks attaching takes, in its order (the table, then its default partition), taken before the
            -- move: a writer cannot add a row of the new range to the default partition after the move, which would
            -- make the attach fail, and a TRUNCATE of the table meanwhile waits instead of deadlocking.
            EXECUTE format('LOCK TABLE %I IN SHARE UPDATE EXCLUSIVE MODE', p_table);
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

-- Drops every partition of p_table that ends at or before p_horizon, whole; returns their names. Rows in the
-- default partition are left: they are the few whose partition was never made.
CREATE FUNCTION drop_partitions_before(p_table text, p_horizon timestamptz) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    part record;
BEGIN
    FOR part IN SELECT * FROM table_partitions(p_table) WHERE upper_bound <= p_horizon ORDER BY lower_bound LOOP
        EXECUTE format('DROP TABLE %I', part.partition_name);
        RETURN NEXT part.partition_name;
    END LOOP;
END
$$;

-- Replaces a plain table by its partitioned successor with the same rows, as the header says. The views that read
-- it are defined again from their own text, which names the new table; their grants stay with them.
CREATE PROCEDURE partition_table(p_table text)
LANGUAGE plpgsql AS $$
DECLARE
    t partitioned_tables;
    old text := p_table || '_unpartitioned';
    primary_key text;
    index_defs text[];
    view_defs text[];
    grants text[];
    index_name text;
    statement text;
    first_at timestamptz;
    last_at timestamptz;
BEGIN
    SELECT * INTO STRICT t FROM partitioned_tables WHERE table_name = p_table;
    UPDATE partitioned_tables SET storage = (SELECT array_to_string(reloptions, ', ') FROM pg_class
                                             WHERE oid = p_table::regclass)
    WHERE table_name = p_table
    RETURNING * INTO t;
    SELECT pg_get_constraintdef(oid) INTO STRICT primary_key FROM pg_constraint
    WHERE conrelid = p_table::regclass AND contype = 'p';
    SELECT array_agg(pg_get_indexdef(indexrelid)) INTO index_defs FROM pg_index
    WHERE indrelid = p_table::regclass AND NOT indisprimary;
    SELECT array_agg(DISTINCT format('CREATE OR REPLACE VIEW %s AS %s', r.ev_class::regclass, pg_get_viewdef(r.ev_class)))
    INTO view_defs
    FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
    WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.refobjid = p_table::regclass AND r.ev_class <> p_table::regclass;
    SELECT array_agg(format('GRANT %s ON %I TO %I', a.privilege_type, p_table, r.rolname)) INTO grants
    FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee
    WHERE c.oid = p_table::regclass AND a.grantee <> c.relowner;

    EXECUTE format('ALTER TABLE %I RENAME TO %I', p_table, old);
    FOR index_name IN SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                      WHERE i.indrelid = old::regclass LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', index_name, index_name || '_unpartitioned');
    END LOOP;
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS, %s) PARTITION BY RANGE (%I)',
                   p_table, old, primary_key, t.time_column);
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT%s', p_table || '_default', p_table,
                   COALESCE(' WITH (' || t.storage || ')', ''));
    FOREACH statement IN ARRAY COALESCE(index_defs, '{}') LOOP
        EXECUTE statement;
    END LOOP;

    EXECUTE format('SELECT min(%1$I), max(%1$I) FROM %2$I', t.time_column, old) INTO first_at, last_at;
    IF first_at IS NOT NULL THEN
        PERFORM create_partitions(p_table, first_at, last_at);
    END IF;
    EXECUTE format('INSERT INTO %I SELECT * FROM %I', p_table, old);

    FOREACH statement IN ARRAY COALESCE(view_defs, '{}') || COALESCE(grants, '{}') LOOP
        EXECUTE statement;
    END LOOP;
    EXECUTE format('DROP TABLE %I', old);
    -- Autovacuum analyses partitions but never a partitioned table itself, whose statistics plan queries over many.
    EXECUTE format('ANALYZE %I', p_table);
END
$$;

CALL partition_table('telemetry_1m');
CALL partition_table('oee_1m');
CALL partition_table('oee_stop_minutes');
CALL partition_table('telemetry_1h');
CALL partition_table('oee_1h');
CALL partition_table('oee_group_1h');
CALL partition_table('telemetry_1d');
CALL partition_table('oee_1d');
CALL partition_table('anomalies');
DROP PROCEDURE partition_table;
