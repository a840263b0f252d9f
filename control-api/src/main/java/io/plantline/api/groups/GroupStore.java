package io.plantline.api.groups;

import io.plantline.api.db.Database;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The {@code device_groups} and {@code device_group_members} tables. */
public final class GroupStore {

    public record Group(String groupId, String name, List<String> deviceIds, Instant createdAt) {
    }

    private static final String SELECT = "SELECT g.group_id, g.name, g.created_at, coalesce(array_agg(m.device_id"
            + " ORDER BY m.device_id) FILTER (WHERE m.device_id IS NOT NULL), '{}') AS members FROM device_groups g"
            + " LEFT JOIN device_group_members m ON m.org_slug = g.org_slug AND m.group_id = g.group_id"
            + " WHERE g.org_slug = ?";

    private final Database database;

    public GroupStore(Database database) {
        this.database = database;
    }

    List<Group> list(String orgSlug, int offset, int limit) {
        return database.list(SELECT + " GROUP BY g.group_id, g.name, g.created_at ORDER BY g.group_id OFFSET ? LIMIT ?",
                GroupStore::group, orgSlug, offset, limit);
    }

    long count(String orgSlug) {
        return database.one("SELECT count(*) FROM device_groups WHERE org_slug = ?", row -> row.getLong(1), orgSlug).orElse(0L);
    }

    public Optional<Group> find(String orgSlug, String groupId) {
        return database.transaction(tx -> find(tx, orgSlug, groupId));
    }

    Optional<Group> find(Database.Tx tx, String orgSlug, String groupId) throws SQLException {
        return tx.one(SELECT + " AND g.group_id = ? GROUP BY g.group_id, g.name, g.created_at", GroupStore::group,
                orgSlug, groupId);
    }

    /** The group's members, none for a group that does not exist. */
    public List<String> members(Database.Tx tx, String orgSlug, String groupId) throws SQLException {
        return tx.list("SELECT device_id FROM device_group_members WHERE org_slug = ? AND group_id = ? ORDER BY device_id",
                row -> row.getString(1), orgSlug, groupId);
    }

    void create(Database.Tx tx, String orgSlug, String groupId, String name) throws SQLException {
        tx.update("INSERT INTO device_groups (org_slug, group_id, name) VALUES (?, ?, ?)", orgSlug, groupId, name);
    }

    boolean rename(String orgSlug, String groupId, String name) {
        return database.update("UPDATE device_groups SET name = ? WHERE org_slug = ? AND group_id = ?", name, orgSlug, groupId) == 1;
    }

    boolean delete(Database.Tx tx, String orgSlug, String groupId) throws SQLException {
        return tx.update("DELETE FROM device_groups WHERE org_slug = ? AND group_id = ?", orgSlug, groupId) == 1;
    }

    /**
     * Replaces the members; the caller has checked that every device exists. Only the members that leave are deleted
     * and only the new ones inserted, since each of them moves the machine's whole history in or out of the group's
     * pre-summed hours ({@code oee_group_1h}).
     */
    void setMembers(Database.Tx tx, String orgSlug, String groupId, List<String> deviceIds) throws SQLException {
        String[] members = deviceIds.toArray(String[]::new);
        tx.update("DELETE FROM device_group_members WHERE org_slug = ? AND group_id = ? AND device_id <> ALL (?::text[])",
                orgSlug, groupId, members);
        tx.update("INSERT INTO device_group_members (org_slug, group_id, device_id) SELECT ?, ?, unnest(?::text[])"
                + " ON CONFLICT DO NOTHING", orgSlug, groupId, members);
    }

    private static Group group(java.sql.ResultSet row) throws SQLException {
        return new Group(row.getString("group_id"), row.getString("name"),
                List.of((String[]) row.getArray("members").getArray()), row.getTimestamp("created_at").toInstant());
    }
}
