package io.plantline.api.kpis;

import io.plantline.api.db.Conditions;
import io.plantline.model.shifts.ShiftInstance;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The SQL of the KPI answers, one text for the API's answers and the reports, so a report of a range says what
 * the API says of it.
 */
public final class KpiQueries {

    /** Which machines a KPI covers: one device, a group's members, or the whole organisation. */
    public record Scope(String orgSlug, Optional<String> deviceId, Optional<String> groupId) {
    }

    /** A statement and its parameters. */
    public record Query(String sql, Object[] parameters) {
    }

    /** The roll-ups do not keep known time: utilisation and TEEP are answered from minutes only. */
    private static final String NO_KNOWN_TIME = " NULL::numeric AS known, 1 AS known_unknown";
    /** The ideal-time sums of a roll-up table's rows (the minutes' sums, and how many minutes had no ideal time). */
    private static final String ROLL_UP_SUMS =
            "sum(ideal_ms_sum) AS ideal, sum(good_ideal_ms_sum) AS good_ideal, sum(ideal_unknown_minutes) AS unknown,"
                    + NO_KNOWN_TIME;
    /**
     * The minutes' sums of ideal and known time, and how many minutes lacked each; ideal time only of scheduled minutes
     * (V39: parts made in overtime stay outside OEE, as the roll-ups sum them).
     */
    private static final String MINUTE_SUMS = "sum(oee_ideal(scheduled, ideal_ms)) AS ideal,"
            + " sum(oee_ideal(scheduled, good_ideal_ms)) AS good_ideal,"
            + " sum(oee_ideal_unknown(scheduled, ideal_ms)) AS unknown, sum(known_ms) AS known,"
            + " count(*) FILTER (WHERE known_ms IS NULL) AS known_unknown";

    private KpiQueries() {
    }

    /**
     * OEE per bucket over the scope's machines, then the range's total (the row whose {@code bucket_start} is null),
     * all from summed components through {@code oee_ratios_from_sums}; rows read as {@link OeeFigures#of}. A group's
     * hours come pre-summed from {@code oee_group_1h} (one row per hour, not one per machine and hour).
     */
    public static Query oee(Scope scope, Granularity granularity, Instant from, Instant to) {
        if (granularity == Granularity.HOUR && scope.groupId().isPresent() && scope.deviceId().isEmpty()) {
            Conditions where = new Conditions().and(
                    "org_slug = ? AND group_id = ? AND bucket_start >= ? AND bucket_start < ?",
                    scope.orgSlug(), scope.groupId().get(), from, to);
            return oeeSums("oee_group_1h", where, ROLL_UP_SUMS, "bucket_start", "GROUPING SETS ((bucket_start), ())",
                    "s.bucket_start", "s.bucket_start NULLS LAST");
        }
        return oeeSums(scope, granularity, from, to, "bucket_start", "GROUPING SETS ((bucket_start), ())",
                "s.bucket_start", "s.bucket_start NULLS LAST");
    }

    /** Each machine's OEE over the whole range, by the same rule; rows read as {@link OeeFigures#of} plus {@code device_id}. */
    public static Query oeeByDevice(Scope scope, Granularity granularity, Instant from, Instant to) {
        return oeeSums(scope, granularity, from, to, "device_id", "device_id",
                "s.device_id, NULL::timestamptz AS bucket_start", "s.device_id");
    }

    /**
     * The scope's OEE over the minutes of these intervals (a shift's scheduled time), one row read as
     * {@link OeeFigures#of} with no {@code bucket_start}: the same sums as a range's total of minutes.
     */
    public static Query oeeWithin(Scope scope, List<ShiftInstance.Interval> spans) {
        Conditions where = Scopes.restrict(Spans.within(new Conditions().and("org_slug = ?", scope.orgSlug()),
                "bucket_start", spans), scope, "device_id");
        return oeeSums("oee_1m", where, MINUTE_SUMS, "NULL::timestamptz AS bucket_start", "()", "s.bucket_start", "1");
    }

    private static Query oeeSums(Scope scope, Granularity granularity, Instant from, Instant to, String key,
                                 String groupBy, String keyColumns, String order) {
        String sums = granularity == Granularity.MINUTE ? MINUTE_SUMS : ROLL_UP_SUMS;
        String table = switch (granularity) {
            case MINUTE -> "oee_1m";
            case HOUR -> "oee_1h";
            case DAY -> "oee_1d";
        };
        Conditions where = Scopes.restrict(new Conditions().and("org_slug = ? AND bucket_start >= ? AND bucket_start < ?",
                scope.orgSlug(), from, to), scope, "device_id");
        return oeeSums(table, where, sums, key, groupBy, keyColumns, order);
    }

    private static Query oeeSums(String table, Conditions where, String sums, String key, String groupBy,
                                 String keyColumns, String order) {
        return new Query("WITH sums AS (SELECT " + key + ", sum(planned_ms) AS planned_ms, sum(run_ms) AS run_ms,"
                + " sum(total_count) AS total_count, sum(good_count) AS good_count, " + sums
                + " FROM " + table + " WHERE " + where.sql() + " GROUP BY " + groupBy + ")"
                + " SELECT " + keyColumns + ", s.planned_ms, s.run_ms, s.total_count, s.good_count,"
                + " CASE WHEN s.unknown = 0 THEN s.ideal END AS ideal_ms,"
                + " CASE WHEN s.unknown = 0 THEN s.good_ideal END AS good_ideal_ms,"
                + " CASE WHEN s.known_unknown = 0 THEN s.known END AS known_ms,"
                + " CASE WHEN s.known_unknown = 0 THEN s.planned_ms::float8 / NULLIF(s.known, 0) END AS utilisation,"
                + " CASE WHEN s.known_unknown = 0 AND s.unknown = 0 THEN s.good_ideal / NULLIF(s.known, 0) END AS teep, r.*"
                + " FROM sums s, LATERAL oee_ratios_from_sums(s.planned_ms::bigint, s.run_ms::bigint,"
                + "   s.total_count::bigint, s.good_count::bigint, CASE WHEN s.unknown = 0 THEN s.ideal END,"
                + "   CASE WHEN s.unknown = 0 THEN s.good_ideal END) r"
                + " ORDER BY " + order, where.values());
    }

    /**
     * Telemetry per device, metric and bucket, in time order, from the table of the granularity: {@code telemetry_1m},
     * or the roll-ups {@code telemetry_1h} and {@code telemetry_1d} that the telemetry job keeps with each minute it
     * writes (V35: population statistics of all the readings of their minutes; days from midnight in the
     * organisation's time zone). Columns {@code device_id, metric, bucket, n, lo, hi, mean, sd}.
     */
    public static Query telemetry(Scope scope, Optional<String> metric, Granularity granularity, Instant from, Instant to) {
        String table = switch (granularity) {
            case MINUTE -> "telemetry_1m";
            case HOUR -> "telemetry_1h";
            case DAY -> "telemetry_1d";
        };
        Conditions where = Scopes.restrict(new Conditions().and("org_slug = ? AND bucket_start >= ? AND bucket_start < ?",
                scope.orgSlug(), from, to).andIf(metric, "metric = ?"), scope, "device_id");
        return new Query("SELECT device_id, metric, bucket_start AS bucket, count AS n, min AS lo, max AS hi, avg AS mean,"
                + " stddev AS sd FROM " + table + " WHERE " + where.sql() + " ORDER BY bucket_start, device_id, metric",
                where.values());
    }
}
