package io.plantline.api.auth;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.nimbusds.jwt.JWTClaimsSet;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.Authenticator;
import io.plantline.api.http.Principal;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Short-lived access tokens: JWTs signed with HMAC-SHA256 ({@link HmacJwt}), naming the user, organisation and
 * role, and the session ({@link RefreshTokens}' family) they were issued for. After the signature, issuer and expiry,
 * the role and the disabled flag are taken from the user's row, and the session must be neither revoked (logout, a
 * password change or reset, a reused refresh token) nor past its absolute lifetime; both are cached for a few seconds
 * and dropped at once on this server's own changes, so a demoted, disabled or logged-out user loses access within
 * seconds on every server.
 */
public final class AccessTokens implements Authenticator {

    private static final String BEARER = "Bearer ";
    private static final String SESSION = "sid";
    private static final Duration USER_CACHE_TTL = Duration.ofSeconds(5);

    private final HmacJwt jwt;
    private final Duration lifetime;
    private final LoadingCache<UUID, Optional<User>> users;
    private final LoadingCache<UUID, Boolean> activeSessions;

    public AccessTokens(byte[] secret, Duration lifetime, Clock clock, UserStore userStore, RefreshTokens sessions) {
        this.jwt = new HmacJwt(secret, clock);
        this.lifetime = lifetime;
        this.users = Caffeine.newBuilder().expireAfterWrite(USER_CACHE_TTL).maximumSize(100_000).build(userStore::find);
        this.activeSessions = Caffeine.newBuilder().expireAfterWrite(USER_CACHE_TTL).maximumSize(100_000)
                .build(sessions::active);
    }

    public Duration lifetime() {
        return lifetime;
    }

    String issue(User user, UUID sessionId) {
        return jwt.sign(new JWTClaimsSet.Builder()
                .subject(user.id().toString())
                .claim(SESSION, sessionId.toString())
                .claim("org", user.orgSlug())
                .claim("role", user.role().wireName()), Optional.empty(), lifetime);
    }

    @Override
    public Principal authenticate(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.startsWith(BEARER)) {
            throw ApiException.unauthorized("an access token is required: Authorization: Bearer <token>");
        }
        return verify(authorizationHeader.substring(BEARER.length()).trim());
    }

    /** The user a raw token (without "Bearer ") speaks for; the WebSocket passes its token this way. */
    public Principal verify(String token) {
        JWTClaimsSet claims;
        try {
            claims = jwt.verify(token, Optional.empty());
        } catch (HmacJwt.RefusedException e) {
            throw ApiException.unauthorized(e.refusal() == HmacJwt.Refusal.EXPIRED
                    ? "the access token has expired; refresh it" : "the access token is not valid");
        }
        UUID userId;
        UUID sessionId;
        try {
            userId = UUID.fromString(claims.getSubject());
            sessionId = UUID.fromString(claims.getStringClaim(SESSION));
        } catch (IllegalArgumentException | NullPointerException | java.text.ParseException e) {
            throw ApiException.unauthorized("the access token is not valid");
        }
        User user = users.get(userId).filter(found -> !found.disabled())
                .orElseThrow(() -> ApiException.unauthorized("the user no longer exists or is disabled"));
        if (!activeSessions.get(sessionId)) {
            throw ApiException.unauthorized("the session has ended; log in again");
        }
        return new Principal(user.id(), user.orgSlug(), user.role(), user.email());
    }

    /** Forgets what is cached of a user and of sessions, after this server changed, deleted or logged them out. */
    public void forget(UUID userId) {
        users.invalidate(userId);
        // Sessions are cached by id, not by user; revocations are rare enough to forget them all.
        activeSessions.invalidateAll();
    }

    /** Forgets what is cached of a session, after this server revoked it. */
    void forgetSession(UUID sessionId) {
        activeSessions.invalidate(sessionId);
    }
}
