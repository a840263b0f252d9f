package io.plantline.api.ota;

import com.nimbusds.jwt.JWTClaimsSet;
import io.plantline.api.auth.HmacJwt;
import io.plantline.api.http.ApiException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.IntSupplier;

/**
 * Signed, short-lived firmware download links for devices, which hold no user token: the link names the
 * organisation and the image, and expires. A link is a JWT with its own audience, so neither an access token nor
 * anything else this server signs opens a download, and a link opens nothing else.
 */
public final class DownloadLinks {

    static final String PATH = "/ota/download";
    private static final String AUDIENCE = "firmware-download";

    /** A link and when it stops working. */
    public record Link(String url, Instant expiresAt) {
    }

    /** What a valid link grants. */
    record Grant(String orgSlug, UUID firmwareId) {
    }

    private final HmacJwt jwt;
    private final Duration lifetime;
    private final Clock clock;
    private final Optional<String> publicUrl;
    private final IntSupplier listeningPort;

    public DownloadLinks(byte[] secret, Duration lifetime, Clock clock, Optional<String> publicUrl, IntSupplier listeningPort) {
        this.jwt = new HmacJwt(secret, clock);
        this.lifetime = lifetime;
        this.clock = clock;
        this.publicUrl = publicUrl;
        this.listeningPort = listeningPort;
    }

    public Link issue(String orgSlug, UUID firmwareId) {
        String token = jwt.sign(new JWTClaimsSet.Builder().subject(firmwareId.toString()).claim("org", orgSlug),
                Optional.of(AUDIENCE), lifetime);
        String base = publicUrl.orElseGet(() -> "http://127.0.0.1:" + listeningPort.getAsInt());
        return new Link(base + "/api/v1" + PATH + "?token=" + token, clock.instant().plus(lifetime));
    }

    Grant verify(Optional<String> token) {
        if (token.isEmpty()) {
            throw ApiException.unauthorized("a download link's token is required");
        }
        try {
            JWTClaimsSet claims = jwt.verify(token.get(), Optional.of(AUDIENCE));
            return new Grant(claims.getStringClaim("org"), UUID.fromString(claims.getSubject()));
        } catch (HmacJwt.RefusedException e) {
            throw ApiException.unauthorized(e.refusal() == HmacJwt.Refusal.EXPIRED
                    ? "the download link has expired" : "the download link is not valid");
        } catch (ParseException | IllegalArgumentException | NullPointerException e) {
            throw ApiException.unauthorized("the download link is not valid");
        }
    }
}
