-- When each job's writer last stored a batch in each of its tables, per parallel subtask: how fresh the KPI tables
-- are, for local mode's status line and GET /jobs. Written in the batch's own transaction, so a write time here
-- means rows committed.
CREATE TABLE table_writes (
    job            text NOT NULL,
    table_name     text NOT NULL,
    subtask        integer NOT NULL CHECK (subtask >= 0),
    last_write_at  timestamptz NOT NULL,
    PRIMARY KEY (job, table_name, subtask)
);
