package io.plantline.pipeline.oee;

import io.plantline.pipeline.sink.PostgresTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the stops of a batch of OEE minutes (migration V32), in the transaction that writes the minutes, so a
 * minute's {@code oee_1m} row and its stop rows change together. Each minute's {@code oee_stop_minutes} rows replace
 * the ones it had; each stop a minute holds is upserted (state, device reason, end); and a stop that began in a
 * written minute but is not among that minute's stops any more (late data moved its start) is deleted. A minute
 * written twice in one batch counts as its last version, as does a stop; a replay writes the same rows.
 */
final class StopTables {

    private static final String DELETE_MINUTES = """
            DELETE FROM oee_stop_minutes s
            USING unnest(?::text[], ?::text[], ?::int8[]) AS m(org_slug, device_id, bucket_ms)
            WHERE s.org_slug = m.org_slug AND s.device_id = m.device_id
              AND s.bucket_start = timestamptz 'epoch' + m.bucket_ms * interval '1 millisecond'""";
    private static final String INSERT_MINUTES = """
            INSERT INTO oee_stop_minutes (org_slug, device_id, bucket_start, stop_started_at, ms)
            SELECT org_slug, device_id, timestamptz 'epoch' + bucket_ms * interval '1 millisecond',
                   timestamptz 'epoch' + started_ms * interval '1 millisecond', ms
            FROM unnest(?::text[], ?::text[], ?::int8[], ?::int8[], ?::int8[])
                AS r(org_slug, device_id, bucket_ms, started_ms, ms)""";
    private static final String UPSERT_STOPS = """
            INSERT INTO stops AS s (org_slug, device_id, started_at, state, device_reason, ended_at)
            SELECT org_slug, device_id, timestamptz 'epoch' + started_ms * interval '1 millisecond', state, reason,
                   timestamptz 'epoch' + ended_ms * interval '1 millisecond'
            FROM unnest(?::text[], ?::text[], ?::int8[], ?::text[], ?::text[], ?::int8[])
                AS r(org_slug, device_id, started_ms, state, reason, ended_ms)
            ON CONFLICT (org_slug, device_id, started_at) DO UPDATE
            SET state = EXCLUDED.state, device_reason = EXCLUDED.device_reason, ended_at = EXCLUDED.ended_at,
                updated_at = now()
            WHERE (s.state, s.device_reason, s.ended_at)
                IS DISTINCT FROM (EXCLUDED.state, EXCLUDED.device_reason, EXCLUDED.ended_at)""";
    private static final String DELETE_GONE_STOPS = """
            WITH k AS (SELECT * FROM unnest(?::text[], ?::text[], ?::int8[], ?::int8[])
                           AS k(org_slug, device_id, bucket_ms, started_ms))
            DELETE FROM stops s
            USING (SELECT DISTINCT org_slug, device_id, bucket_ms FROM k) m
            WHERE s.org_slug = m.org_slug AND s.device_id = m.device_id
              AND s.started_at >= timestamptz 'epoch' + m.bucket_ms * interval '1 millisecond'
              AND s.started_at < timestamptz 'epoch' + (m.bucket_ms + 60000) * interval '1 millisecond'
              AND NOT EXISTS (SELECT 1 FROM k WHERE k.org_slug = s.org_slug AND k.device_id = s.device_id
                  AND timestamptz 'epoch' + k.started_ms * interval '1 millisecond' = s.started_at)""";

    private static final PostgresTable.Writes<OeeMinute> MINUTES_DELETED = PostgresTable.asArrays(
            new String[] {"text", "text", "int8"}, OeeMinute::orgSlug, OeeMinute::deviceId, OeeMinute::bucketStart);
    private static final PostgresTable.Writes<MinuteStop> MINUTES_INSERTED = PostgresTable.asArrays(
            new String[] {"text", "text", "int8", "int8", "int8"}, MinuteStop::orgSlug, MinuteStop::deviceId,
            MinuteStop::bucketStart, MinuteStop::startedAt, MinuteStop::ms);
    private static final PostgresTable.Writes<MinuteStop> STOPS_UPSERTED = PostgresTable.asArrays(
            new String[] {"text", "text", "int8", "text", "text", "int8"}, MinuteStop::orgSlug, MinuteStop::deviceId,
            MinuteStop::startedAt, MinuteStop::state, MinuteStop::reason, MinuteStop::endedAt);
    private static final PostgresTable.Writes<MinuteStop> GONE_STOPS_DELETED = PostgresTable.asArrays(
            new String[] {"text", "text", "int8", "int8"}, MinuteStop::orgSlug, MinuteStop::deviceId,
            MinuteStop::bucketStart, MinuteStop::startedAt);

    private StopTables() {
    }

    static void write(Connection connection, List<OeeMinute> batch) throws SQLException {
        Map<String, OeeMinute> minutes = new LinkedHashMap<>();
        Map<String, MinuteStop> stops = new LinkedHashMap<>();
        for (OeeMinute minute : batch) {
            lastOf(minutes, minute.orgSlug() + '/' + minute.deviceId() + '@' + minute.bucketStart(), minute);
            for (StopMinute stop : minute.stops()) {
                lastOf(stops, minute.orgSlug() + '/' + minute.deviceId() + '@' + stop.startedAt(),
                        new MinuteStop(minute, stop));
            }
        }
        List<OeeMinute> written = List.copyOf(minutes.values());
        List<MinuteStop> pieces = new ArrayList<>();
        List<MinuteStop> kept = new ArrayList<>();
        for (OeeMinute minute : written) {
            minute.stops().forEach(stop -> kept.add(new MinuteStop(minute, stop)));
            minute.stops().stream().filter(stop -> stop.ms() > 0).forEach(stop -> pieces.add(new MinuteStop(minute, stop)));
            if (minute.stops().isEmpty()) {
                kept.add(new MinuteStop(minute, null));   // a minute without stops keeps none that began in it
            }
        }
        execute(connection, DELETE_MINUTES, MINUTES_DELETED, written);
        execute(connection, INSERT_MINUTES, MINUTES_INSERTED, pieces);
        execute(connection, UPSERT_STOPS, STOPS_UPSERTED, List.copyOf(stops.values()));
        execute(connection, DELETE_GONE_STOPS, GONE_STOPS_DELETED, kept);
    }

    /** Puts {@code value} last in {@code map}, replacing an earlier one of its key. */
    private static <T> void lastOf(Map<String, T> map, String key, T value) {
        map.remove(key);
        map.put(key, value);
    }

    private static <T> void execute(Connection connection, String sql, PostgresTable.Writes<T> writes, List<T> rows)
            throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            writes.write(statement, rows);
        }
    }

    /** One stop of one written minute (none: {@code stop} null), as a row of the arrays the statements take. */
    private record MinuteStop(OeeMinute minute, StopMinute stop) {
        String orgSlug() {
            return minute.orgSlug();
        }

        String deviceId() {
            return minute.deviceId();
        }

        long bucketStart() {
            return minute.bucketStart();
        }

        Long startedAt() {
            return stop == null ? null : stop.startedAt();
        }

        String state() {
            return stop.state().name();
        }

        String reason() {
            return stop.reason();
        }

        Long endedAt() {
            return stop.endedAt();
        }

        long ms() {
            return stop.ms();
        }
    }
}
