package io.plantline.api.alerts;

import io.plantline.api.db.Conditions;
import io.plantline.api.db.Database;
import io.plantline.model.AlertStatus;
import io.plantline.model.Severity;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The {@code alerts} table and the comments people give alerts ({@code alert_comments}), as people see and change them
 * (the analytics job writes alerts through its own procedure).
 */
public final class AlertStore {

    private static final String COLUMNS = "id, device_id, rule_id, metric, severity, status, opened_at, last_value, peak_value,"
            + " escalated_at, cleared_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, comment, updated_at";

    /** List filters; empty means "any". {@code from} and {@code to} bound the opening time, to exclusive. */
    public record Filter(List<String> statuses, Optional<String> severity, Optional<String> deviceId,
                         Optional<String> groupId, Optional<Instant> from, Optional<Instant> to) {
    }

    private final Database database;

    public AlertStore(Database database) {
        this.database = database;
    }

    List<Alert> list(String orgSlug, Filter filter, int offset, int limit) {
        Conditions where = where(orgSlug, filter);
        return database.list("SELECT " + COLUMNS + " FROM alerts a WHERE " + where.sql() + " ORDER BY opened_at DESC, id OFFSET ? LIMIT ?",
                AlertStore::alert, where.values(offset, limit));
    }

    long count(String orgSlug, Filter filter) {
        Conditions where = where(orgSlug, filter);
        return database.one("SELECT count(*) FROM alerts a WHERE " + where.sql(), row -> row.getLong(1), where.values()).orElse(0L);
    }

    Optional<AlertDetail> find(String orgSlug, UUID id) {
        return database.transaction(tx -> {
            Optional<Alert> alert = tx.one("SELECT " + COLUMNS + " FROM alerts WHERE org_slug = ? AND id = ?", AlertStore::alert, orgSlug, id);
            return alert.isPresent() ? Optional.of(withComments(tx, alert.get())) : Optional.empty();
        });
    }

    AlertDetail withComments(Database.Tx tx, Alert alert) throws SQLException {
        return new AlertDetail(alert, tx.list("SELECT text, written_by, written_at FROM alert_comments WHERE alert_id = ?"
                + " ORDER BY written_at, id", row -> new AlertComment(row.getString("text"), row.getString("written_by"),
                row.getTimestamp("written_at").toInstant()), alert.id()));
    }

    Optional<Alert> lock(Database.Tx tx, String orgSlug, UUID id) throws SQLException {
        return tx.one("SELECT " + COLUMNS + " FROM alerts WHERE org_slug = ? AND id = ? FOR UPDATE", AlertStore::alert, orgSlug, id);
    }

    /** Acknowledges the alert; a comment, when given, is added to its comments and becomes its latest. */
    Alert acknowledge(Database.Tx tx, String orgSlug, UUID id, String by, String comment) throws SQLException {
        addComment(tx, id, by, comment);
        return tx.one("UPDATE alerts SET status = 'ACKNOWLEDGED', acknowledged_at = now(), acknowledged_by = ?,"
                + " comment = coalesce(?, comment), updated_at = now() WHERE org_slug = ? AND id = ? RETURNING " + COLUMNS,
                AlertStore::alert, by, comment, orgSlug, id).orElseThrow();
    }

    /** Resolves the alert; a comment, when given, is added to its comments and becomes its latest. */
    Alert resolve(Database.Tx tx, String orgSlug, UUID id, String by, String comment) throws SQLException {
        addComment(tx, id, by, comment);
        return tx.one("UPDATE alerts SET status = 'RESOLVED', resolved_at = now(), resolved_by = ?,"
                + " comment = coalesce(?, comment), updated_at = now() WHERE org_slug = ? AND id = ? RETURNING " + COLUMNS,
                AlertStore::alert, by, comment, orgSlug, id).orElseThrow();
    }

    private static void addComment(Database.Tx tx, UUID id, String by, String comment) throws SQLException {
        if (comment != null) {
            tx.update("INSERT INTO alert_comments (alert_id, text, written_by) VALUES (?, ?, ?)", id, comment, by);
        }
    }

    private static Conditions where(String orgSlug, Filter filter) {
        return new Conditions().and("a.org_slug = ?", orgSlug)
                .andIf(Optional.of(filter.statuses()).filter(statuses -> !statuses.isEmpty())
                        .map(statuses -> statuses.toArray(String[]::new)), "a.status = ANY (?)")
                .andIf(filter.severity(), "a.severity = ?")
                .andIf(filter.deviceId(), "a.device_id = ?")
                .andIf(filter.groupId(), "a.device_id IN (SELECT device_id FROM device_group_members"
                        + " WHERE org_slug = a.org_slug AND group_id = ?)")
                .andIf(filter.from(), "a.opened_at >= ?")
                .andIf(filter.to(), "a.opened_at < ?");
    }

    private static Alert alert(ResultSet row) throws SQLException {
        return new Alert(row.getObject("id", UUID.class), row.getString("device_id"), row.getString("rule_id"),
                row.getString("metric"), Severity.valueOf(row.getString("severity")), AlertStatus.valueOf(row.getString("status")),
                row.getTimestamp("opened_at").toInstant(), Database.nullableDouble(row, "last_value"),
                Database.nullableDouble(row, "peak_value"), Database.instant(row, "escalated_at").orElse(null),
                Database.instant(row, "cleared_at").orElse(null), Database.instant(row, "acknowledged_at").orElse(null),
                row.getString("acknowledged_by"), Database.instant(row, "resolved_at").orElse(null),
                row.getString("resolved_by"), row.getString("comment"), row.getTimestamp("updated_at").toInstant());
    }
}
