package io.plantline.api.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import io.plantline.api.http.ApiException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Tokens for links that work without a login (a firmware download for a device, a report in a mail): a JWT naming
 * the organisation and the thing the link opens, with an audience of its own, so no other token this server signs
 * opens such a link, and a link opens nothing else. It expires after {@code lifetime}.
 */
public final class SignedLinks {

    /** What a valid token grants. */
    public record Grant(String orgSlug, UUID subject) {
    }

    private final HmacJwt jwt;
    private final String audience;
    private final Duration lifetime;

    public SignedLinks(byte[] secret, Clock clock, String audience, Duration lifetime) {
        this.jwt = new HmacJwt(secret, clock);
        this.audience = audience;
        this.lifetime = lifetime;
    }

    public Duration lifetime() {
        return lifetime;
    }

    public String token(String orgSlug, UUID subject) {
        return jwt.sign(new JWTClaimsSet.Builder().subject(subject.toString()).claim("org", orgSlug),
                Optional.of(audience), lifetime);
    }

    /** The grant of a valid token; 401 naming why for a missing, forged or expired one. */
    public Grant verify(Optional<String> token) {
        if (token.isEmpty()) {
            throw ApiException.unauthorized("a download link's token is required");
        }
        try {
            JWTClaimsSet claims = jwt.verify(token.get(), Optional.of(audience));
            return new Grant(claims.getStringClaim("org"), UUID.fromString(claims.getSubject()));
        } catch (HmacJwt.RefusedException e) {
            throw ApiException.unauthorized(e.refusal() == HmacJwt.Refusal.EXPIRED
                    ? "the download link has expired" : "the download link is not valid");
        } catch (ParseException | IllegalArgumentException | NullPointerException e) {
            throw ApiException.unauthorized("the download link is not valid");
        }
    }
}
