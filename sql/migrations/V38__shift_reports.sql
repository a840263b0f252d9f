-- Shift reports: a report of type 'shifts' has one row per shift instance that started in its range, so its
-- granularity is 'shift' rather than a bucket size.
ALTER TABLE reports DROP CONSTRAINT reports_type_check,
    ADD CONSTRAINT reports_type_check CHECK (type IN ('oee', 'alerts', 'telemetry', 'shifts')),
    DROP CONSTRAINT reports_granularity_check,
    ADD CONSTRAINT reports_granularity_check CHECK (granularity IN ('1m', '1h', '1d', 'shift'));
