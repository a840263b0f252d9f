package io.plantline.api.auth;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.Authenticator;
import io.plantline.api.http.Principal;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.UUID;

/**
 * Short-lived access tokens: JWTs signed with HMAC-SHA256, naming the user, organisation and role. Verification
 * accepts only HS256 (so {@code alg: none} or a swapped algorithm is refused), checks the signature, issuer and
 * expiry, then takes the role and the disabled flag from the user's row (cached for a few seconds, dropped at
 * once on this server's own user changes), so a demoted or disabled user loses access within seconds.
 */
public final class AccessTokens implements Authenticator {

    private static final String ISSUER = "plantline";
    private static final String BEARER = "Bearer ";
    private static final Duration USER_CACHE_TTL = Duration.ofSeconds(5);

    private final byte[] secret;
    private final Duration lifetime;
    private final Clock clock;
    private final MACVerifier verifier;
    private final LoadingCache<UUID, Optional<User>> users;

    public AccessTokens(byte[] secret, Duration lifetime, Clock clock, UserStore userStore) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("the token signing secret must be at least 32 bytes");
        }
        this.secret = secret.clone();
        this.lifetime = lifetime;
        this.clock = clock;
        try {
            this.verifier = new MACVerifier(this.secret);
        } catch (JOSEException e) {
            throw new IllegalArgumentException(e);
        }
        this.users = Caffeine.newBuilder().expireAfterWrite(USER_CACHE_TTL).maximumSize(100_000).build(userStore::find);
    }

    public Duration lifetime() {
        return lifetime;
    }

    public String issue(User user) {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(user.id().toString())
                .claim("org", user.orgSlug())
                .claim("role", user.role().wireName())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            jwt.sign(new MACSigner(secret));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign an access token", e);
        }
        return jwt.serialize();
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
        JWTClaimsSet claims = verifiedClaims(token);
        UUID userId;
        try {
            userId = UUID.fromString(claims.getSubject());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ApiException.unauthorized("the access token is not valid");
        }
        User user = users.get(userId).filter(found -> !found.disabled())
                .orElseThrow(() -> ApiException.unauthorized("the user no longer exists or is disabled"));
        return new Principal(user.id(), user.orgSlug(), user.role(), user.email());
    }

    /** Forgets what is cached of a user, after this server changed or deleted them. */
    public void forget(UUID userId) {
        users.invalidate(userId);
    }

    private JWTClaimsSet verifiedClaims(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
                throw ApiException.unauthorized("the access token is not valid");
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date expiry = claims.getExpirationTime();
            if (!ISSUER.equals(claims.getIssuer()) || expiry == null) {
                throw ApiException.unauthorized("the access token is not valid");
            }
            if (!expiry.toInstant().isAfter(clock.instant())) {
                throw ApiException.unauthorized("the access token has expired; refresh it");
            }
            return claims;
        } catch (ParseException | JOSEException | IllegalStateException e) {
            throw ApiException.unauthorized("the access token is not valid");
        }
    }
}
