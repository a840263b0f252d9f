package io.plantline.api.kpis;

import io.plantline.api.db.Conditions;
import io.plantline.api.db.Database;
import io.plantline.api.organisations.OrganisationZones;
import io.plantline.model.shifts.ShiftInstance;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads what the jobs wrote: {@code telemetry_1m} / {@code telemetry_1h} / {@code telemetry_1d} and {@code oee_1m} /
 * {@code oee_1h} / {@code oee_1d} (the table of the asked granularity, so a month by day reads 30 rows per machine
 * and metric) and {@code anomalies}.
 */
final class KpiStore {

    record TelemetryBucket(Instant bucketStart, long count, double min, double max, double avg, double stddev) {
    }

    record Anomaly(String deviceId, String metric, Instant ts, double value, double score, String method) {
    }

    private final Database database;

    KpiStore(Database database) {
        this.database = database;
    }

    Optional<ZoneId> timeZone(String orgSlug) {
        return OrganisationZones.of(database, orgSlug);
    }

    /** The metric's unit as the device's profile declares it, if it has one that does. */
    Optional<String> unit(String orgSlug, String deviceId, String metric) {
        return database.one("SELECT m ->> 'unit' FROM devices d JOIN device_profiles p"
                        + " ON p.org_slug = d.org_slug AND p.profile_id = d.profile_id,"
                        + " jsonb_array_elements(p.metrics) AS m WHERE d.org_slug = ? AND d.device_id = ? AND m ->> 'name' = ?",
                row -> Optional.ofNullable(row.getString(1)), orgSlug, deviceId, metric).flatMap(unit -> unit);
    }

    /** Population statistics of the readings of each bucket, from the table of the granularity. */
    List<TelemetryBucket> telemetry(String orgSlug, String deviceId, String metric, Granularity granularity,
                                    Instant from, Instant to) {
        KpiQueries.Query query = KpiQueries.telemetry(new KpiQueries.Scope(orgSlug, Optional.of(deviceId), Optional.empty()),
                Optional.of(metric), granularity, from, to);
        return database.list(query.sql(), row -> new TelemetryBucket(row.getTimestamp("bucket").toInstant(), row.getLong("n"),
                row.getDouble("lo"), row.getDouble("hi"), row.getDouble("mean"), row.getDouble("sd")), query.parameters());
    }

    /** One row per bucket, then the range's total (the row whose bucket_start is null), in one pass. */
    List<OeeFigures> oee(KpiQueries.Scope scope, Granularity granularity, Instant from, Instant to) {
        KpiQueries.Query query = KpiQueries.oee(scope, granularity, from, to);
        return database.list(query.sql(), OeeFigures::of, query.parameters());
    }

    /** The scope's OEE over the minutes of these intervals. */
    OeeFigures oeeWithin(KpiQueries.Scope scope, List<ShiftInstance.Interval> spans) {
        KpiQueries.Query query = KpiQueries.oeeWithin(scope, spans);
        return database.one(query.sql(), OeeFigures::of, query.parameters()).orElseThrow();
    }

    /** One machine's OEE over a range. */
    record MachineOee(String deviceId, OeeFigures total) {
    }

    List<MachineOee> oeeByDevice(KpiQueries.Scope scope, Granularity granularity, Instant from, Instant to) {
        KpiQueries.Query query = KpiQueries.oeeByDevice(scope, granularity, from, to);
        return database.list(query.sql(), row -> new MachineOee(row.getString("device_id"), OeeFigures.of(row)),
                query.parameters());
    }

    /**
     * The {@code DOWN} stops of the scope's machines that began in {@code [from, to)}, per machine (key: its device id)
     * and for all of them (key: null), with how many also ended by {@code to} and their summed duration.
     */
    Map<String, Reliability.DownStops> downStops(KpiQueries.Scope scope, Instant from, Instant to) {
        return downStops(scope, Spans.of(from, to), to);
    }

    /** As above, of the stops that began in one of these intervals and ended by {@code endBy}. */
    Map<String, Reliability.DownStops> downStops(KpiQueries.Scope scope, List<ShiftInstance.Interval> spans, Instant endBy) {
        Conditions where = Scopes.restrict(Spans.within(new Conditions().and("org_slug = ? AND state = 'DOWN'",
                scope.orgSlug()), "started_at", spans), scope, "device_id");
        Object[] parameters = new Object[where.values().length + 2];
        parameters[0] = endBy;
        parameters[1] = endBy;
        System.arraycopy(where.values(), 0, parameters, 2, parameters.length - 2);
        record Counted(String deviceId, Reliability.DownStops stops) {
        }
        Map<String, Reliability.DownStops> counts = new HashMap<>();
        for (Counted row : database.list("SELECT device_id, count(*) AS began, count(*) FILTER (WHERE ended_at <= ?) AS ended,"
                        + " COALESCE(sum(extract(epoch FROM ended_at - started_at) * 1000) FILTER (WHERE ended_at <= ?), 0)"
                        + " AS ended_ms FROM stops WHERE " + where.sql() + " GROUP BY GROUPING SETS ((device_id), ())",
                row -> new Counted(row.getString("device_id"), new Reliability.DownStops(row.getLong("began"),
                        row.getLong("ended"), row.getDouble("ended_ms"))), parameters)) {
            counts.put(row.deviceId(), row.stops());
        }
        return counts;
    }

    /** A page of anomalies and how many match in all. */
    record AnomalyPage(List<Anomaly> anomalies, long total) {
    }

    AnomalyPage anomalies(String orgSlug, Optional<String> deviceId, Optional<String> metric, Instant from, Instant to,
                            int offset, int limit) {
        Conditions where = new Conditions().and("org_slug = ? AND ts >= ? AND ts < ?", orgSlug, from, to)
                .andIf(deviceId, "device_id = ?")
                .andIf(metric, "metric = ?");
        // The total comes with every row (a window over the filtered rows), so one query answers the page and its count.
        record Counted(Anomaly anomaly, long total) {
        }
        List<Counted> rows = database.list("SELECT device_id, metric, ts, value, score, method, count(*) OVER () AS total"
                        + " FROM anomalies WHERE " + where.sql() + " ORDER BY ts DESC, device_id, metric OFFSET ? LIMIT ?",
                row -> new Counted(new Anomaly(row.getString("device_id"), row.getString("metric"),
                        row.getTimestamp("ts").toInstant(), row.getDouble("value"), row.getDouble("score"),
                        row.getString("method")), row.getLong("total")),
                where.values(offset, limit));
        return new AnomalyPage(rows.stream().map(Counted::anomaly).toList(), rows.isEmpty() ? 0 : rows.get(0).total());
    }
}
