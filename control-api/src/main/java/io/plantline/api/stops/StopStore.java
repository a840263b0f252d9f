package io.plantline.api.stops;

import io.plantline.api.db.Conditions;
import io.plantline.api.db.Database;
import io.plantline.api.kpis.KpiQueries;
import io.plantline.api.kpis.Scopes;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Reads stops (the OEE job writes them) with their classification and category, and writes classifications. */
final class StopStore {

    /** An operator's classification of a stop. */
    record Classification(String reasonCode, String comment, String classifiedBy, Instant classifiedAt) {
    }

    /**
     * A stop as answered: {@code endedAt} null while open; {@code reasonCode} the effective reason (the
     * classification's, else the device's), {@code reasonName} its name in the catalogue if it is there.
     */
    record Stop(String deviceId, Instant startedAt, Instant endedAt, String state, long durationMs, String deviceReason,
                Classification classification, String reasonCode, String reasonName, String category) {

        static Stop of(ResultSet row) throws SQLException {
            String classified = row.getString("classified_reason");
            return new Stop(row.getString("device_id"), row.getTimestamp("started_at").toInstant(),
                    Database.instant(row, "ended_at").orElse(null), row.getString("state"), row.getLong("duration_ms"),
                    row.getString("device_reason"), classified == null ? null : new Classification(classified,
                            row.getString("comment"), row.getString("classified_by"),
                            row.getTimestamp("classified_at").toInstant()),
                    row.getString("reason_code"), row.getString("reason_name"), row.getString("category"));
        }
    }

    /** What a stop list asks for besides its scope and range. */
    record Filter(Optional<String> state, List<String> categories, Optional<String> reasonCode,
                  Optional<Boolean> classified, Optional<Integer> minDurationSeconds, boolean longestFirst) {
    }

    /** A page of stops and how many match in all. */
    record StopPage(List<Stop> stops, long total) {
    }

    private final Database database;

    StopStore(Database database) {
        this.database = database;
    }

    /** The scope's stops that overlap {@code [from, to)}: begun before its end, and open or ended after its start. */
    StopPage list(KpiQueries.Scope scope, Instant from, Instant to, Filter filter, int offset, int limit) {
        Conditions stops = Scopes.restrict(new Conditions().and(
                "s.org_slug = ? AND s.started_at < ? AND (s.ended_at IS NULL OR s.ended_at > ?)", scope.orgSlug(), to, from),
                scope, "s.device_id").andIf(filter.state(), "s.state = ?");
        Conditions classified = new Conditions().and("true")
                .andIf(filter.reasonCode(), "reason_code = ?")
                .andIf(filter.minDurationSeconds().map(seconds -> seconds * 1000L), "duration_ms >= ?");
        if (!filter.categories().isEmpty()) {
            classified.and("category = ANY (?)", (Object) filter.categories().toArray(String[]::new));
        }
        filter.classified().ifPresent(yes -> classified.and(yes ? "classified_reason IS NOT NULL" : "classified_reason IS NULL"));
        Object[] stopValues = stops.values();
        Object[] parameters = classified.values(offset, limit);
        Object[] all = new Object[stopValues.length + parameters.length];
        System.arraycopy(stopValues, 0, all, 0, stopValues.length);
        System.arraycopy(parameters, 0, all, stopValues.length, parameters.length);
        // The total comes with every row (a window over the filtered rows), so one query answers the page and its count.
        record Counted(Stop stop, long total) {
        }
        List<Counted> rows = database.list("SELECT x.*, count(*) OVER () AS total FROM (" + ClassifiedStops.select(stops.sql())
                        + ") x WHERE " + classified.sql() + " ORDER BY "
                        + (filter.longestFirst() ? "duration_ms DESC, " : "") + "started_at DESC, device_id OFFSET ? LIMIT ?",
                row -> new Counted(Stop.of(row), row.getLong("total")), all);
        return new StopPage(rows.stream().map(Counted::stop).toList(), rows.isEmpty() ? 0 : rows.get(0).total());
    }

    /** One stop, classified. */
    Optional<Stop> find(Database.Tx tx, String orgSlug, String deviceId, Instant startedAt) throws SQLException {
        return tx.one(ClassifiedStops.select("s.org_slug = ? AND s.device_id = ? AND s.started_at = ?"), Stop::of,
                orgSlug, deviceId, startedAt);
    }

    boolean inCatalogue(Database.Tx tx, String orgSlug, String reasonCode) throws SQLException {
        return tx.one("SELECT 1 FROM stop_reasons WHERE org_slug = ? AND code = ?", row -> 1, orgSlug, reasonCode).isPresent();
    }

    List<String> catalogueCodes(Database.Tx tx, String orgSlug) throws SQLException {
        return tx.list("SELECT code FROM stop_reasons WHERE org_slug = ? ORDER BY code", row -> row.getString(1), orgSlug);
    }

    /** Sets the stop's classification, answering the one it replaces, if any. */
    Optional<Classification> classify(Database.Tx tx, String orgSlug, String deviceId, Instant startedAt, String reasonCode,
                                      String comment, String by) throws SQLException {
        Optional<Classification> previous = tx.one("SELECT reason_code, comment, classified_by, classified_at"
                        + " FROM stop_classifications WHERE org_slug = ? AND device_id = ? AND stop_started_at = ? FOR UPDATE",
                row -> new Classification(row.getString(1), row.getString(2), row.getString(3),
                        row.getTimestamp(4).toInstant()), orgSlug, deviceId, startedAt);
        tx.update("INSERT INTO stop_classifications (org_slug, device_id, stop_started_at, reason_code, comment, classified_by)"
                        + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (org_slug, device_id, stop_started_at) DO UPDATE SET"
                        + " reason_code = EXCLUDED.reason_code, comment = EXCLUDED.comment,"
                        + " classified_by = EXCLUDED.classified_by, classified_at = now()",
                orgSlug, deviceId, startedAt, reasonCode, comment, by);
        return previous;
    }
}
