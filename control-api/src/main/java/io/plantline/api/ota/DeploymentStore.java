package io.plantline.api.ota;

import io.plantline.api.db.Database;
import io.plantline.api.http.Json;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The {@code ota_deployments} and {@code ota_targets} tables, as the API and the roll-out driver use them. */
public final class DeploymentStore {

    static final List<String> STATES = List.of("QUEUED", "SENT", "DOWNLOADING", "DOWNLOADED", "VERIFIED", "INSTALLING",
            "SUCCEEDED", "FAILED");
    private static final String SELECT = "SELECT d.deployment_id, d.firmware_id, f.version, f.hardware_model, d.status,"
            + " d.policy::text AS policy, d.current_stage, d.pause_reason, d.failures_accepted, d.created_at, d.updated_at,"
            + " (SELECT coalesce(max(stage) + 1, 0) FROM ota_targets t WHERE t.org_slug = d.org_slug"
            + " AND t.deployment_id = d.deployment_id) AS stages,"
            + " (SELECT coalesce(jsonb_object_agg(state, n), '{}'::jsonb)::text FROM (SELECT state, count(*) AS n"
            + " FROM ota_targets t WHERE t.org_slug = d.org_slug AND t.deployment_id = d.deployment_id GROUP BY state) s)"
            + " AS summary FROM ota_deployments d JOIN firmware f ON f.org_slug = d.org_slug AND f.firmware_id = d.firmware_id"
            + " WHERE d.org_slug = ?";

    /** One target as the per-device detail shows it. */
    record Target(String deviceId, int stage, String state, Optional<String> reason, Optional<Integer> progress,
                  Instant stateSince, Instant updatedAt) {
    }

    /** A stage's or the deployment's targets by state. */
    record Counts(Map<String, Integer> byState) {
        int total() {
            return byState.values().stream().mapToInt(Integer::intValue).sum();
        }

        int of(String state) {
            return byState.getOrDefault(state, 0);
        }

        int terminal() {
            return of("SUCCEEDED") + of("FAILED");
        }
    }

    private final Database database;

    public DeploymentStore(Database database) {
        this.database = database;
    }

    void create(Database.Tx tx, String orgSlug, String deploymentId, UUID firmwareId, RolloutPolicy policy,
                List<List<String>> stages, UUID userId, Instant now) throws SQLException {
        tx.update("INSERT INTO ota_deployments (org_slug, deployment_id, firmware_id, status, policy, created_at,"
                + " created_by, updated_at) VALUES (?, ?, ?, 'RUNNING', ?::jsonb, ?, ?, ?)", orgSlug, deploymentId,
                firmwareId, Json.write(policy), now, userId, now);
        for (int stage = 0; stage < stages.size(); stage++) {
            tx.update("INSERT INTO ota_targets (org_slug, deployment_id, device_id, stage, state, state_since, updated_at)"
                    + " SELECT ?, ?, unnest(?::text[]), ?, 'QUEUED', ?, ?", orgSlug, deploymentId,
                    stages.get(stage).toArray(String[]::new), stage, now, now);
        }
    }

    Optional<Deployment> find(String orgSlug, String deploymentId) {
        return database.transaction(tx -> find(tx, orgSlug, deploymentId));
    }

    Optional<Deployment> find(Database.Tx tx, String orgSlug, String deploymentId) throws SQLException {
        return tx.one(SELECT + " AND d.deployment_id = ?", DeploymentStore::deployment, orgSlug, deploymentId);
    }

    /** The deployment's row, locked for this transaction (state changes by the API and the driver go one at a time). */
    Optional<Deployment> lock(Database.Tx tx, String orgSlug, String deploymentId) throws SQLException {
        tx.one("SELECT 1 FROM ota_deployments WHERE org_slug = ? AND deployment_id = ? FOR UPDATE", row -> 1, orgSlug,
                deploymentId);
        return find(tx, orgSlug, deploymentId);
    }

    List<Deployment> list(String orgSlug, int offset, int limit) {
        return database.list(SELECT + " ORDER BY d.created_at DESC, d.deployment_id OFFSET ? LIMIT ?",
                DeploymentStore::deployment, orgSlug, offset, limit);
    }

    long count(String orgSlug) {
        return database.one("SELECT count(*) FROM ota_deployments WHERE org_slug = ?", row -> row.getLong(1), orgSlug)
                .orElse(0L);
    }

    List<Target> targets(String orgSlug, String deploymentId, Optional<String> state, int offset, int limit) {
        return database.list("SELECT device_id, stage, state, reason, progress, state_since, updated_at FROM ota_targets"
                + " WHERE org_slug = ? AND deployment_id = ? AND (?::text IS NULL OR state = ?) ORDER BY stage, device_id"
                + " OFFSET ? LIMIT ?", DeploymentStore::target, orgSlug, deploymentId, state.orElse(null),
                state.orElse(null), offset, limit);
    }

    long countTargets(String orgSlug, String deploymentId, Optional<String> state) {
        return database.one("SELECT count(*) FROM ota_targets WHERE org_slug = ? AND deployment_id = ?"
                + " AND (?::text IS NULL OR state = ?)", row -> row.getLong(1), orgSlug, deploymentId,
                state.orElse(null), state.orElse(null)).orElse(0L);
    }

    /** Running deployments no other server is evaluating now, locked until the transaction ends. */
    List<String[]> lockRunning(Database.Tx tx, int limit) throws SQLException {
        return tx.list("SELECT org_slug, deployment_id FROM ota_deployments WHERE status = 'RUNNING'"
                + " ORDER BY updated_at LIMIT ? FOR UPDATE SKIP LOCKED", row -> new String[] {row.getString(1),
                row.getString(2)}, limit);
    }

    Counts stageCounts(Database.Tx tx, String orgSlug, String deploymentId, int stage) throws SQLException {
        return counts(tx, " AND stage = ?", orgSlug, deploymentId, stage);
    }

    Counts allCounts(Database.Tx tx, String orgSlug, String deploymentId) throws SQLException {
        return counts(tx, "", orgSlug, deploymentId);
    }

    Counts sentCounts(Database.Tx tx, String orgSlug, String deploymentId) throws SQLException {
        return counts(tx, " AND state <> 'QUEUED'", orgSlug, deploymentId);
    }

    private Counts counts(Database.Tx tx, String condition, Object... parameters) throws SQLException {
        Map<String, Integer> byState = new LinkedHashMap<>();
        tx.list("SELECT state, count(*) FROM ota_targets WHERE org_slug = ? AND deployment_id = ?" + condition
                + " GROUP BY state", row -> byState.put(row.getString(1), row.getInt(2)), parameters);
        return new Counts(byState);
    }

    List<String> queued(Database.Tx tx, String orgSlug, String deploymentId, int stage) throws SQLException {
        return tx.list("SELECT device_id FROM ota_targets WHERE org_slug = ? AND deployment_id = ? AND stage = ?"
                + " AND state = 'QUEUED' ORDER BY device_id", row -> row.getString(1), orgSlug, deploymentId, stage);
    }

    /** Targets the update has been sent to; their devices get the version as their target firmware. */
    void markSent(Database.Tx tx, String orgSlug, String deploymentId, List<String> deviceIds, String version,
                  Instant now) throws SQLException {
        tx.update("UPDATE ota_targets SET state = 'SENT', state_since = ?, updated_at = ? WHERE org_slug = ?"
                + " AND deployment_id = ? AND device_id = ANY(?) AND state = 'QUEUED'", now, now, orgSlug, deploymentId,
                deviceIds.toArray(String[]::new));
        tx.update("UPDATE devices SET firmware_target = ?, updated_at = ? WHERE org_slug = ? AND device_id = ANY(?)",
                version, now, orgSlug, deviceIds.toArray(String[]::new));
    }

    /** Ends every target not yet ended as FAILED with {@code reason}; answers their devices. */
    List<String> failOpenTargets(Database.Tx tx, String orgSlug, String deploymentId, String reason, Instant now)
            throws SQLException {
        return tx.list("UPDATE ota_targets SET state = 'FAILED', reason = ?, state_since = ?, updated_at = ?"
                + " WHERE org_slug = ? AND deployment_id = ? AND state NOT IN ('SUCCEEDED', 'FAILED')"
                + " RETURNING device_id", row -> row.getString(1), reason, now, now, orgSlug,
                deploymentId);
    }

    void setStatus(Database.Tx tx, String orgSlug, String deploymentId, String status, Optional<String> pauseReason,
                   Instant now) throws SQLException {
        tx.update("UPDATE ota_deployments SET status = ?, pause_reason = ?, updated_at = ? WHERE org_slug = ?"
                + " AND deployment_id = ?", status, pauseReason.orElse(null), now, orgSlug, deploymentId);
    }

    void setStage(Database.Tx tx, String orgSlug, String deploymentId, int stage, Instant now) throws SQLException {
        tx.update("UPDATE ota_deployments SET current_stage = ?, updated_at = ? WHERE org_slug = ? AND deployment_id = ?",
                stage, now, orgSlug, deploymentId);
    }

    /** Resumes a paused roll-out, accepting the failures so far. */
    void resume(Database.Tx tx, String orgSlug, String deploymentId, int failures, Instant now) throws SQLException {
        tx.update("UPDATE ota_deployments SET status = 'RUNNING', pause_reason = NULL, failures_accepted = ?,"
                + " updated_at = ? WHERE org_slug = ? AND deployment_id = ?", failures, now, orgSlug, deploymentId);
    }

    private static Deployment deployment(ResultSet row) throws SQLException {
        Map<String, Integer> summary = new LinkedHashMap<>();
        STATES.forEach(state -> summary.put(state, 0));
        Json.object(row.getString("summary").getBytes(java.nio.charset.StandardCharsets.UTF_8)).properties()
                .forEach(entry -> summary.put(entry.getKey(), entry.getValue().asInt()));
        return new Deployment(row.getString("deployment_id"), row.getObject("firmware_id", UUID.class),
                row.getString("version"), row.getString("hardware_model"), row.getString("status"),
                Json.read(row.getString("policy"), RolloutPolicy.class), row.getInt("current_stage"), row.getInt("stages"),
                Optional.ofNullable(row.getString("pause_reason")), row.getInt("failures_accepted"), summary,
                row.getTimestamp("created_at").toInstant(), row.getTimestamp("updated_at").toInstant());
    }

    private static Target target(ResultSet row) throws SQLException {
        int progress = row.getInt("progress");
        Optional<Integer> reported = row.wasNull() ? Optional.empty() : Optional.of(progress);
        return new Target(row.getString("device_id"), row.getInt("stage"), row.getString("state"),
                Optional.ofNullable(row.getString("reason")), reported,
                row.getTimestamp("state_since").toInstant(), row.getTimestamp("updated_at").toInstant());
    }
}
