package io.plantline.api;

import io.plantline.testing.TestDatabase;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * What the OEE job would have written for an organisation's machines, written straight into its tables: minutes of
 * {@code oee_1m} with their time components (through {@code upsert_oee_minute}, so the roll-ups follow), stops, and
 * each stop's milliseconds per minute ({@code oee_stop_minutes}). The tests of stops and losses so depend on the
 * tables' contract, not on the job.
 */
final class PlantHistory implements AutoCloseable {

    /** One connection for all the rows: a test writes hundreds, and a connection costs more than a row. */
    private final Connection connection;
    private final String orgSlug;

    PlantHistory(TestDatabase database, String orgSlug) throws SQLException {
        this.connection = database.connect();
        this.orgSlug = orgSlug;
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }

    /** A minute of a machine, built by its time components; unset components are 0, and the minute is scheduled. */
    Minute minute(String deviceId, String bucketStart) {
        return new Minute(deviceId, Instant.parse(bucketStart));
    }

    /** A stop; {@code endedAt} null while it is open, {@code reason} null without one. */
    void stop(String deviceId, String state, String reason, String startedAt, String endedAt) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO stops (org_slug, device_id, started_at, state, device_reason, ended_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, orgSlug);
            insert.setString(2, deviceId);
            insert.setTimestamp(3, Timestamp.from(Instant.parse(startedAt)));
            insert.setString(4, state);
            insert.setString(5, reason);
            insert.setTimestamp(6, endedAt == null ? null : Timestamp.from(Instant.parse(endedAt)));
            insert.executeUpdate();
        }
    }

    /** {@code ms} of the minute at {@code bucketStart} belong to the stop that started at {@code stopStartedAt}. */
    void stopMinute(String deviceId, String bucketStart, String stopStartedAt, long ms) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO oee_stop_minutes (org_slug, device_id, bucket_start, stop_started_at, ms) VALUES (?, ?, ?, ?, ?)")) {
            insert.setString(1, orgSlug);
            insert.setString(2, deviceId);
            insert.setTimestamp(3, Timestamp.from(Instant.parse(bucketStart)));
            insert.setTimestamp(4, Timestamp.from(Instant.parse(stopStartedAt)));
            insert.setLong(5, ms);
            insert.executeUpdate();
        }
    }

    /** One minute's components, as the shifts contract has them; {@link #write} derives planned and OEE run time. */
    final class Minute {
        private final String deviceId;
        private final Instant bucketStart;
        private long runMs;
        private long idleMs;
        private long downMs;
        private long plannedStopMs;
        private boolean scheduled = true;
        private long totalCount;
        private long goodCount;
        private Double idealCycleMs;

        private Minute(String deviceId, Instant bucketStart) {
            this.deviceId = deviceId;
            this.bucketStart = bucketStart;
        }

        Minute run(long ms) {
            runMs = ms;
            return this;
        }

        Minute idle(long ms) {
            idleMs = ms;
            return this;
        }

        Minute down(long ms) {
            downMs = ms;
            return this;
        }

        Minute plannedStop(long ms) {
            plannedStopMs = ms;
            return this;
        }

        Minute unscheduled() {
            scheduled = false;
            return this;
        }

        /** Parts counted, at an ideal cycle time (null: the machine has none). */
        Minute parts(long total, long good, Double idealCycleMs) {
            this.totalCount = total;
            this.goodCount = good;
            this.idealCycleMs = idealCycleMs;
            return this;
        }

        void write() throws SQLException {
            long knownMs = runMs + idleMs + downMs + plannedStopMs;
            long plannedMs = scheduled ? knownMs - plannedStopMs : 0;
            Double ideal = idealCycleMs == null ? null : idealCycleMs * totalCount;
            Double goodIdeal = idealCycleMs == null ? null : idealCycleMs * goodCount;
            try (CallableStatement call = connection.prepareCall(
                    "CALL upsert_oee_minute(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, false, ?, ?, ?, ?, ?, ?)")) {
                call.setString(1, orgSlug);
                call.setString(2, deviceId);
                call.setTimestamp(3, Timestamp.from(bucketStart));
                call.setLong(4, plannedMs);
                call.setLong(5, scheduled ? runMs : 0);
                call.setLong(6, totalCount);
                call.setLong(7, goodCount);
                call.setObject(8, idealCycleMs);
                call.setObject(9, ideal);
                call.setObject(10, goodIdeal);
                call.setLong(11, knownMs);
                call.setLong(12, idleMs);
                call.setLong(13, downMs);
                call.setLong(14, plannedStopMs);
                call.setBoolean(15, scheduled);
                call.setLong(16, scheduled ? 0 : runMs);
                call.execute();
            }
        }
    }
}
