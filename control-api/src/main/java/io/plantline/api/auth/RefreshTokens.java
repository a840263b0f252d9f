package io.plantline.api.auth;

import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.model.Sha256;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * Long-lived refresh tokens, rotated on every use and stored as SHA-256 hashes (they are 256 random bits, so a
 * fast hash suffices). Presenting a token that was already used revokes its whole family: either the client or
 * a thief holds a copy, and neither can be told apart, so everyone in that login signs in again. A family is a
 * session: its access tokens name it ({@link AccessTokens}) and stop working once it is revoked, and it ends
 * {@code sessionLifetime} after the login however often it is refreshed.
 */
public final class RefreshTokens {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new refresh token and the user it belongs to. */
    record Issued(String token, UUID userId, UUID sessionId) {
    }

    private enum Outcome { ROTATED, UNKNOWN, EXPIRED, REUSED, SESSION_ENDED }

    /** What a rotation found: the outcome, and the new token when it rotated. */
    private record Rotation(Outcome outcome, Issued issued) {
        static Rotation refused(Outcome outcome) {
            return new Rotation(outcome, null);
        }
    }

    private record StoredToken(UUID family, UUID userId, Instant expiresAt, Instant sessionExpiresAt, boolean used,
                               boolean revoked) {
    }

    private final Database database;
    private final Duration lifetime;
    private final Duration sessionLifetime;
    private final Clock clock;

    public RefreshTokens(Database database, Duration lifetime, Duration sessionLifetime, Clock clock) {
        this.database = database;
        this.lifetime = lifetime;
        this.sessionLifetime = sessionLifetime;
        this.clock = clock;
    }

    /** The first token of a new family, at login. */
    Issued issue(UUID userId) {
        return database.transaction(tx -> insert(tx, userId, UUID.randomUUID(), clock.instant().plus(sessionLifetime)));
    }

    /** Replaces {@code token} by a new one of its family, or throws 401 (revoking the family on reuse). */
    Issued rotate(String token) {
        Instant now = clock.instant();
        Rotation rotation = database.transaction(tx -> {
            var found = tx.one("SELECT family_id, user_id, expires_at, session_expires_at, used_at IS NOT NULL AS used,"
                            + " revoked_at IS NOT NULL AS revoked FROM refresh_tokens WHERE token_hash = ? FOR UPDATE",
                    row -> new StoredToken(row.getObject("family_id", UUID.class), row.getObject("user_id", UUID.class),
                            row.getTimestamp("expires_at").toInstant(), row.getTimestamp("session_expires_at").toInstant(),
                            row.getBoolean("used"), row.getBoolean("revoked")),
                    hash(token));
            if (found.isEmpty()) {
                return Rotation.refused(Outcome.UNKNOWN);
            }
            StoredToken stored = found.get();
            if (stored.used()) {
                tx.update("UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE family_id = ?",
                        now, stored.family());
                return Rotation.refused(Outcome.REUSED);
            }
            if (!stored.revoked() && !stored.sessionExpiresAt().isAfter(now)) {
                return Rotation.refused(Outcome.SESSION_ENDED);
            }
            if (stored.revoked() || !stored.expiresAt().isAfter(now)) {
                return Rotation.refused(Outcome.EXPIRED);
            }
            tx.update("UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?", now, hash(token));
            return new Rotation(Outcome.ROTATED, insert(tx, stored.userId(), stored.family(), stored.sessionExpiresAt()));
        });
        return switch (rotation.outcome()) {
            case ROTATED -> rotation.issued();
            case UNKNOWN -> throw ApiException.unauthorized("the refresh token is not valid");
            case EXPIRED -> throw ApiException.unauthorized("the refresh token has expired or was revoked; log in again");
            case REUSED -> throw ApiException.unauthorized("the refresh token was already used; every session of"
                    + " this login is revoked, log in again");
            case SESSION_ENDED -> throw ApiException.unauthorized("the session has reached its maximum lifetime; log in"
                    + " again");
        };
    }

    /**
     * Logout: the token's session ends, its family can no longer be refreshed. Unknown tokens are ignored, so logout
     * is idempotent. Answers the session, if the token was known.
     */
    Optional<UUID> revokeFamily(String token) {
        return database.transaction(tx -> {
            Optional<UUID> family = tx.one("SELECT family_id FROM refresh_tokens WHERE token_hash = ?",
                    row -> row.getObject("family_id", UUID.class), hash(token));
            if (family.isPresent()) {
                tx.update("UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE family_id = ?",
                        clock.instant(), family.get());
            }
            return family;
        });
    }

    /** Whether a session is neither revoked nor past its absolute lifetime: its access tokens are good. */
    boolean active(UUID sessionId) {
        return database.one("SELECT 1 FROM refresh_tokens WHERE family_id = ? AND revoked_at IS NULL"
                + " AND session_expires_at > ? LIMIT 1", row -> true, sessionId, clock.instant()).isPresent();
    }

    /** Every session of the user ends: after a password change or reset, and when the user is disabled or removed. */
    void revokeAll(UUID userId) {
        database.update("UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE user_id = ?",
                clock.instant(), userId);
    }

    private Issued insert(Database.Tx tx, UUID userId, UUID family, Instant sessionExpiresAt)
            throws java.sql.SQLException {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Instant expiresAt = clock.instant().plus(lifetime);
        tx.update("INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at, session_expires_at)"
                        + " VALUES (?, ?, ?, ?, ?)", hash(token), family, userId,
                expiresAt.isBefore(sessionExpiresAt) ? expiresAt : sessionExpiresAt, sessionExpiresAt);
        return new Issued(token, userId, family);
    }

    private static String hash(String token) {
        return Sha256.hex(token);
    }
}
