package io.plantline.api.rules;

import io.plantline.api.ApiKafka;
import io.plantline.api.db.Database;
import io.plantline.model.AlertRule;
import io.plantline.model.Comparison;
import io.plantline.model.RuleScope;
import io.plantline.model.Severity;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * The {@code alert_rules} table, and its publication on {@code factory.rules}. Rules are published inside the
 * transaction that writes them (before the commit), so a rule is never in the table without being on the topic;
 * a group-scoped rule carries the group's members and is republished whenever they change.
 */
public final class RuleStore {

    private static final String COLUMNS = "rule_id, name, scope_type, scope_target, metric, operator, threshold, for_seconds,"
            + " breach_count, clear_threshold, severity, escalate_after_seconds, escalate_to, enabled, created_at, updated_at";

    /** A stored rule: the contract's rule plus its display name and times. */
    public record StoredRule(String name, AlertRule rule, Instant createdAt, Instant updatedAt) {
    }

    private final Database database;
    private final ApiKafka kafka;

    public RuleStore(Database database, ApiKafka kafka) {
        this.database = database;
        this.kafka = kafka;
    }

    public List<StoredRule> list(String orgSlug, int offset, int limit) {
        return database.list("SELECT " + COLUMNS + " FROM alert_rules WHERE org_slug = ? ORDER BY rule_id OFFSET ? LIMIT ?",
                row -> rule(orgSlug, row), orgSlug, offset, limit);
    }

    public long count(String orgSlug) {
        return database.one("SELECT count(*) FROM alert_rules WHERE org_slug = ?", row -> row.getLong(1), orgSlug).orElse(0L);
    }

    public Optional<StoredRule> find(String orgSlug, String ruleId) {
        return database.transaction(tx -> find(tx, orgSlug, ruleId));
    }

    public Optional<StoredRule> find(Database.Tx tx, String orgSlug, String ruleId) throws SQLException {
        return tx.one("SELECT " + COLUMNS + " FROM alert_rules WHERE org_slug = ? AND rule_id = ?",
                row -> rule(orgSlug, row), orgSlug, ruleId);
    }

    /** Inserts ({@code create}) or updates the rule, then publishes it with its scope's current members. */
    public boolean save(Database.Tx tx, String name, AlertRule rule, boolean create) throws SQLException {
        Object[] values = {name, rule.scope().type().name(), rule.scope().target(), rule.metric(), rule.operator().symbol(),
                rule.threshold(), rule.forSeconds().orElse(null), rule.count().orElse(null), rule.clearThreshold().orElse(null),
                rule.severity().name(), rule.escalation().map(AlertRule.Escalation::afterSeconds).orElse(null),
                rule.escalation().map(step -> step.severity().name()).orElse(null), rule.enabled(),
                rule.orgSlug(), rule.ruleId()};
        int rows = tx.update(create
                ? "INSERT INTO alert_rules (name, scope_type, scope_target, metric, operator, threshold, for_seconds,"
                        + " breach_count, clear_threshold, severity, escalate_after_seconds, escalate_to, enabled, org_slug,"
                        + " rule_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                : "UPDATE alert_rules SET name = ?, scope_type = ?, scope_target = ?, metric = ?, operator = ?,"
                        + " threshold = ?, for_seconds = ?, breach_count = ?, clear_threshold = ?, severity = ?,"
                        + " escalate_after_seconds = ?, escalate_to = ?, enabled = ?, updated_at = now()"
                        + " WHERE org_slug = ? AND rule_id = ?", values);
        if (rows == 1) {
            publish(tx, rule.orgSlug(), rule.ruleId());
        }
        return rows == 1;
    }

    /** Deletes the rule and its topic entry; its alerts still open are resolved, since nothing will clear them now. */
    boolean delete(Database.Tx tx, String orgSlug, String ruleId, String by) throws SQLException {
        if (tx.update("DELETE FROM alert_rules WHERE org_slug = ? AND rule_id = ?", orgSlug, ruleId) == 0) {
            return false;
        }
        tx.update("WITH resolved AS (UPDATE alerts SET status = 'RESOLVED', resolved_at = now(), resolved_by = ?,"
                + " comment = 'rule deleted', updated_at = now()"
                + " WHERE org_slug = ? AND rule_id = ? AND status IN ('ACTIVE', 'ACKNOWLEDGED') RETURNING id)"
                + " INSERT INTO alert_comments (alert_id, text, written_by) SELECT id, 'rule deleted', ? FROM resolved",
                by, orgSlug, ruleId, by);
        kafka.tombstone(orgSlug + "/rule/" + ruleId);
        return true;
    }

    /** Republishes the rules scoped to these groups, after their members changed. */
    public void republishForGroups(Database.Tx tx, String orgSlug, Collection<String> groupIds) throws SQLException {
        if (groupIds.isEmpty()) {
            return;
        }
        List<String> ruleIds = tx.list("SELECT rule_id FROM alert_rules WHERE org_slug = ? AND scope_type = 'GROUP'"
                + " AND scope_target = ANY (?)", row -> row.getString(1), orgSlug, groupIds.toArray(String[]::new));
        for (String ruleId : ruleIds) {
            publish(tx, orgSlug, ruleId);
        }
    }

    /** The rules that name this group as their scope (a group in use cannot be deleted). */
    public List<String> usingGroup(Database.Tx tx, String orgSlug, String groupId) throws SQLException {
        return tx.list("SELECT rule_id FROM alert_rules WHERE org_slug = ? AND scope_type = 'GROUP' AND scope_target = ?",
                row -> row.getString(1), orgSlug, groupId);
    }

    private void publish(Database.Tx tx, String orgSlug, String ruleId) throws SQLException {
        AlertRule stored = find(tx, orgSlug, ruleId).orElseThrow().rule();
        RuleScope scope = stored.scope();
        if (scope.type() == RuleScope.ScopeType.GROUP) {
            List<String> members = tx.list("SELECT device_id FROM device_group_members WHERE org_slug = ? AND group_id = ?",
                    row -> row.getString(1), orgSlug, scope.target());
            scope = RuleScope.group(scope.target(), new HashSet<>(members));
        }
        kafka.publish(new AlertRule(stored.ruleId(), orgSlug, scope, stored.metric(), stored.operator(), stored.threshold(),
                stored.forSeconds(), stored.count(), stored.clearThreshold(), stored.severity(), stored.escalation(),
                stored.enabled()));
    }

    private static StoredRule rule(String orgSlug, ResultSet row) throws SQLException {
        RuleScope.ScopeType scopeType = RuleScope.ScopeType.valueOf(row.getString("scope_type"));
        int escalateAfterSeconds = row.getInt("escalate_after_seconds");
        Optional<AlertRule.Escalation> escalation = Optional.ofNullable(row.getString("escalate_to"))
                .map(severity -> new AlertRule.Escalation(escalateAfterSeconds, Severity.valueOf(severity)));
        AlertRule rule = new AlertRule(row.getString("rule_id"), orgSlug,
                new RuleScope(scopeType, row.getString("scope_target"), java.util.Set.of()), row.getString("metric"),
                Comparison.fromSymbol(row.getString("operator")), row.getDouble("threshold"),
                Optional.ofNullable((Integer) row.getObject("for_seconds")),
                Optional.ofNullable((Integer) row.getObject("breach_count")),
                Optional.ofNullable(Database.nullableDouble(row, "clear_threshold")), Severity.valueOf(row.getString("severity")),
                escalation, row.getBoolean("enabled"));
        return new StoredRule(row.getString("name"), rule, row.getTimestamp("created_at").toInstant(),
                row.getTimestamp("updated_at").toInstant());
    }
}
