package io.plantline.api.stops;

import io.plantline.api.db.Conditions;
import io.plantline.api.db.Database;
import io.plantline.api.kpis.KpiQueries;
import io.plantline.api.kpis.KpiRoutes;
import io.plantline.api.kpis.Scopes;
import io.plantline.api.kpis.Spans;
import io.plantline.model.shifts.ShiftInstance;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Sums the losses of a range in one statement, so the minutes and the stop time read are one snapshot and the
 * identity holds exactly: the minutes' sums and each stop's time in those minutes are summed apart (joining them
 * first would count a minute once per stop in it).
 */
final class LossStore {

    private final Database database;
    private final Scopes scopes;

    LossStore(Database database) {
        this.database = database;
        this.scopes = new Scopes(database);
    }

    Losses losses(KpiQueries.Scope scope, Instant from, Instant to) {
        return losses(scope, from, to, Spans.of(from, to));
    }

    /**
     * The losses of the scheduled minutes in these intervals (a shift's scheduled time), and of the stops that began in
     * them; the answer names the range {@code [from, to)} they lie in.
     */
    Losses losses(KpiQueries.Scope scope, Instant from, Instant to, List<ShiftInstance.Interval> spans) {
        Conditions minutes = scopes.restrictToMembers(Spans.within(new Conditions().and("org_slug = ?", scope.orgSlug()),
                "bucket_start", spans).and("scheduled"), scope, "device_id");
        Conditions stopMinutes = scopes.restrictToMembers(Spans.within(new Conditions().and("sm.org_slug = ?",
                scope.orgSlug()), "sm.bucket_start", spans), scope, "sm.device_id");
        Conditions began = scopes.restrictToMembers(Spans.within(new Conditions().and("s.org_slug = ?", scope.orgSlug()),
                "s.started_at", spans), scope, "s.device_id");
        Conditions classified = new Conditions().and(
                "s.org_slug = ? AND (s.device_id, s.started_at) IN (SELECT device_id, started_at FROM keys)", scope.orgSlug());
        List<Object> parameters = new ArrayList<>();
        for (Conditions part : List.of(minutes, stopMinutes, began, classified)) {
            parameters.addAll(List.of(part.values()));
        }
        // Not materialised: read twice, the range's minutes would otherwise be written to a temporary file first
        // (2.9 million rows for a month of a 100-machine line, 2-3 times the whole query's time).
        String sql = "WITH minutes AS NOT MATERIALIZED (SELECT device_id, bucket_start, planned_ms, run_ms, ideal_ms, good_ideal_ms"
                + "   FROM oee_1m WHERE " + minutes.sql() + "),"
                + " lost AS (SELECT sm.device_id, sm.stop_started_at AS started_at, sum(sm.ms) AS lost_ms"
                + "   FROM oee_stop_minutes sm JOIN minutes mm ON mm.device_id = sm.device_id AND mm.bucket_start = sm.bucket_start"
                + "   WHERE " + stopMinutes.sql() + " GROUP BY 1, 2),"
                + " began AS (SELECT s.device_id, s.started_at FROM stops s WHERE " + began.sql() + "),"
                + " keys AS (SELECT device_id, started_at FROM lost UNION SELECT device_id, started_at FROM began),"
                + " classified AS (" + ClassifiedStops.select(classified.sql()) + "),"
                + " per_reason AS (SELECT COALESCE(c.category, 'unclassified') AS category, c.reason_code, c.reason_name,"
                + "   sum(COALESCE(l.lost_ms, 0))::bigint AS lost_ms, count(b.device_id) AS stops"
                + "   FROM keys k LEFT JOIN lost l USING (device_id, started_at) LEFT JOIN began b USING (device_id, started_at)"
                + "   LEFT JOIN classified c USING (device_id, started_at) GROUP BY 1, 2, 3),"
                + " totals AS (SELECT COALESCE(sum(planned_ms), 0)::bigint AS planned_ms, COALESCE(sum(run_ms), 0)::bigint AS run_ms,"
                + "   COALESCE(sum(ideal_ms), 0) AS ideal_ms, COALESCE(sum(good_ideal_ms), 0) AS good_ideal_ms,"
                + "   count(*) FILTER (WHERE ideal_ms IS NULL) AS ideal_unknown FROM minutes)"
                + " SELECT t.*, p.category, p.reason_code, p.reason_name, p.lost_ms, p.stops FROM totals t"
                + " LEFT JOIN per_reason p ON true";
        record Row(long plannedMs, long runMs, Double idealMs, Double goodIdealMs, String category, String reasonCode,
                   String reasonName, long lostMs, long stops) {
        }
        List<Row> rows = database.list(sql, row -> {
            boolean idealKnown = row.getLong("ideal_unknown") == 0;
            return new Row(row.getLong("planned_ms"), row.getLong("run_ms"),
                    idealKnown ? Database.nullableDouble(row, "ideal_ms") : null,
                    idealKnown ? Database.nullableDouble(row, "good_ideal_ms") : null, row.getString("category"),
                    row.getString("reason_code"), row.getString("reason_name"), row.getLong("lost_ms"), row.getLong("stops"));
        }, parameters.toArray());
        Row totals = rows.get(0);
        Double idealMs = totals.idealMs();
        Double goodIdealMs = totals.goodIdealMs();
        Map<String, Long> byCategory = new LinkedHashMap<>();
        ClassifiedStops.CATEGORIES.forEach(category -> byCategory.put(category, 0L));
        Map<String, Losses.ReasonLoss> byReason = new LinkedHashMap<>();
        long stopLossTotal = 0;
        for (Row row : rows) {
            if (row.category() == null) {
                continue;
            }
            byCategory.merge(row.category(), row.lostMs(), Long::sum);
            stopLossTotal += row.lostMs();
            // No code is empty, so the stops without a reason have a key of their own.
            byReason.merge(Objects.requireNonNullElse(row.reasonCode(), ""), new Losses.ReasonLoss(row.reasonCode(), row.reasonName(),
                    row.lostMs(), row.stops()), (a, b) -> new Losses.ReasonLoss(a.reasonCode(), a.reasonName(),
                    a.lostMs() + b.lostMs(), a.stops() + b.stops()));
        }
        List<Losses.ReasonLoss> pareto = byReason.values().stream()
                .sorted(Comparator.comparingLong(Losses.ReasonLoss::lostMs).reversed()
                        .thenComparing(Comparator.comparingLong(Losses.ReasonLoss::stops).reversed())
                        .thenComparing(Losses.ReasonLoss::reasonCode, Comparator.nullsLast(Comparator.naturalOrder())))
                .toList();
        return new Losses(KpiRoutes.scopeAnswer(scope), from, to, totals.plannedMs(), totals.runMs(), idealMs, goodIdealMs,
                stopLossTotal, byCategory, idealMs == null ? null : totals.runMs() - idealMs,
                idealMs == null ? null : idealMs - goodIdealMs, pareto);
    }
}
