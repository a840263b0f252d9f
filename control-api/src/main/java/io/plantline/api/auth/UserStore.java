package io.plantline.api.auth;

import io.plantline.api.db.Database;
import io.plantline.api.http.Role;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The {@code users} table. An address is unique within an organisation. Every lookup but the login's is scoped to one
 * organisation.
 */
public final class UserStore {

    static final String COLUMNS = "id, org_slug, email, display_name, role, disabled, created_at";

    /** What login needs: the user and the stored hash. */
    record Credentials(User user, String passwordHash) {
    }

    private final Database database;

    public UserStore(Database database) {
        this.database = database;
    }

    /** Every account with this address, one per organisation that has it. */
    List<Credentials> credentials(String email) {
        return database.list("SELECT " + COLUMNS + ", password_hash FROM users WHERE lower(email) = lower(?)"
                        + " ORDER BY org_slug",
                row -> new Credentials(user(row), row.getString("password_hash")), email);
    }

    Optional<String> passwordHash(UUID id) {
        return database.one("SELECT password_hash FROM users WHERE id = ?", row -> row.getString(1), id);
    }

    boolean exists(String orgSlug, String email) {
        return database.one("SELECT 1 FROM users WHERE org_slug = ? AND lower(email) = lower(?)", row -> true,
                orgSlug, email).isPresent();
    }

    public Optional<User> find(String orgSlug, UUID id) {
        return database.one("SELECT " + COLUMNS + " FROM users WHERE org_slug = ? AND id = ?", UserStore::user, orgSlug, id);
    }

    Optional<User> find(UUID id) {
        return database.one("SELECT " + COLUMNS + " FROM users WHERE id = ?", UserStore::user, id);
    }

    List<User> list(String orgSlug, int offset, int limit) {
        return database.list("SELECT " + COLUMNS + " FROM users WHERE org_slug = ? ORDER BY lower(email) OFFSET ? LIMIT ?",
                UserStore::user, orgSlug, offset, limit);
    }

    long count(String orgSlug) {
        return database.one("SELECT count(*) FROM users WHERE org_slug = ?", row -> row.getLong(1), orgSlug).orElse(0L);
    }

    public User create(String orgSlug, String email, String displayName, Role role, String passwordHash) {
        return database.transaction(tx -> create(tx, orgSlug, email, displayName, role, passwordHash));
    }

    public User create(Database.Tx tx, String orgSlug, String email, String displayName, Role role, String passwordHash)
            throws SQLException {
        return tx.one("INSERT INTO users (org_slug, email, display_name, role, password_hash) VALUES (?, ?, ?, ?, ?)"
                        + " RETURNING " + COLUMNS,
                UserStore::user, orgSlug, email, displayName, role.wireName(), passwordHash).orElseThrow();
    }

    Optional<User> update(String orgSlug, UUID id, Optional<String> displayName, Optional<Role> role,
                          Optional<Boolean> disabled, Optional<String> passwordHash) {
        return database.one("UPDATE users SET display_name = coalesce(?, display_name), role = coalesce(?, role),"
                        + " disabled = coalesce(?, disabled), password_hash = coalesce(?, password_hash), updated_at = now()"
                        + " WHERE org_slug = ? AND id = ? RETURNING " + COLUMNS,
                UserStore::user, displayName.orElse(null), role.map(Role::wireName).orElse(null),
                disabled.orElse(null), passwordHash.orElse(null), orgSlug, id);
    }

    boolean delete(String orgSlug, UUID id) {
        return database.update("DELETE FROM users WHERE org_slug = ? AND id = ?", orgSlug, id) == 1;
    }

    static User user(ResultSet row) throws SQLException {
        return new User(row.getObject("id", UUID.class), row.getString("org_slug"), row.getString("email"),
                row.getString("display_name"), Role.fromWireName(row.getString("role")).orElseThrow(),
                row.getBoolean("disabled"), row.getTimestamp("created_at").toInstant());
    }
}
