package io.plantline.api.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * JWTs signed with HMAC-SHA256 by this server, for one purpose each: access tokens carry no audience, firmware
 * download links the audience {@code firmware-download}, and a token is only accepted for its own purpose.
 * Verification accepts HS256 only (so {@code alg: none} or a swapped algorithm is refused) and checks the
 * signature, the issuer and the expiry.
 */
public final class HmacJwt {

    private static final String ISSUER = "plantline";

    /** Why a token was refused; callers turn it into their own 401 or 403 message. */
    public enum Refusal { INVALID, EXPIRED }

    public static final class RefusedException extends Exception {
        private final Refusal refusal;

        RefusedException(Refusal refusal) {
            super(refusal.name());
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    private final byte[] secret;
    private final MACVerifier verifier;
    private final Clock clock;

    public HmacJwt(byte[] secret, Clock clock) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("the token signing secret must be at least 32 bytes");
        }
        this.secret = secret.clone();
        this.clock = clock;
        try {
            this.verifier = new MACVerifier(this.secret);
        } catch (JOSEException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Signs {@code claims} (subject and custom claims set by the caller) valid for {@code lifetime} from now. */
    public String sign(JWTClaimsSet.Builder claims, Optional<String> audience, Duration lifetime) {
        Instant now = clock.instant();
        claims.issuer(ISSUER).issueTime(Date.from(now)).expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(UUID.randomUUID().toString());
        audience.ifPresent(claims::audience);
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
        try {
            jwt.sign(new MACSigner(secret));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
        return jwt.serialize();
    }

    /** The claims of a token this server signed for {@code audience} (empty: an access token), not expired. */
    public JWTClaimsSet verify(String token, Optional<String> audience) throws RefusedException {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
                throw new RefusedException(Refusal.INVALID);
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date expiry = claims.getExpirationTime();
            List<String> audiences = claims.getAudience();
            boolean rightAudience = audience.map(expected -> audiences.equals(List.of(expected))).orElse(audiences.isEmpty());
            if (!ISSUER.equals(claims.getIssuer()) || expiry == null || !rightAudience) {
                throw new RefusedException(Refusal.INVALID);
            }
            if (!expiry.toInstant().isAfter(clock.instant())) {
                throw new RefusedException(Refusal.EXPIRED);
            }
            return claims;
        } catch (ParseException | JOSEException | IllegalStateException e) {
            throw new RefusedException(Refusal.INVALID);
        }
    }
}
