package io.plantline.api.stops;

import java.util.ArrayList;
import java.util.List;

/**
 * The SQL of a stop as the shifts contract classifies it, shared by the stop list and the losses: its effective
 * reason (the operator's classification, else the device's), its duration (end minus start; for an open stop the
 * time its OEE minutes hold so far) and its category: {@code minor_stop} when shorter than the organisation's
 * {@code minor_stop_seconds}, else the effective reason's catalogue category, {@code unclassified} for no reason or
 * one outside the catalogue.
 */
final class ClassifiedStops {

    /** Every category a stop may have, in the order answers list them: the catalogue's, then the two derived ones. */
    static final List<String> CATEGORIES = categories();

    private ClassifiedStops() {
    }

    /**
     * {@code SELECT} of the stops {@code where} (a condition on {@code s}, the {@code stops} row) selects: columns
     * {@code device_id, started_at, ended_at, state, device_reason, classified_reason, comment, classified_by,
     * classified_at, reason_code, reason_name, duration_ms, category}.
     */
    static String select(String where) {
        return "SELECT s.device_id, s.started_at, s.ended_at, s.state, s.device_reason, c.reason_code AS classified_reason,"
                + " c.comment, c.classified_by, c.classified_at, COALESCE(c.reason_code, s.device_reason) AS reason_code,"
                + " r.name AS reason_name, d.duration_ms,"
                + " CASE WHEN d.duration_ms < o.minor_stop_seconds * 1000 THEN 'minor_stop'"
                + "   ELSE COALESCE(r.category, 'unclassified') END AS category"
                + " FROM stops s JOIN organisations o ON o.slug = s.org_slug"
                + " LEFT JOIN stop_classifications c ON c.org_slug = s.org_slug AND c.device_id = s.device_id"
                + "   AND c.stop_started_at = s.started_at"
                + " LEFT JOIN stop_reasons r ON r.org_slug = s.org_slug AND r.code = COALESCE(c.reason_code, s.device_reason)"
                + " CROSS JOIN LATERAL (SELECT CASE WHEN s.ended_at IS NOT NULL"
                + "   THEN round(extract(epoch FROM s.ended_at - s.started_at) * 1000)::bigint"
                + "   ELSE (SELECT COALESCE(sum(m.ms), 0) FROM oee_stop_minutes m WHERE m.org_slug = s.org_slug"
                + "     AND m.device_id = s.device_id AND m.stop_started_at = s.started_at)::bigint END AS duration_ms) d"
                + " WHERE " + where;
    }

    private static List<String> categories() {
        List<String> all = new ArrayList<>(StopReasonRoutes.CATEGORIES);
        all.add("minor_stop");
        all.add("unclassified");
        return List.copyOf(all);
    }
}
