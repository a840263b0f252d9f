package io.plantline.api.ota;

import io.plantline.api.auth.SignedLinks;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.IntSupplier;

/**
 * Signed, short-lived firmware download links for devices, which hold no user token: the link names the
 * organisation and the image, and expires ({@link SignedLinks}).
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

    private final SignedLinks links;
    private final Clock clock;
    private final Optional<String> publicUrl;
    private final IntSupplier listeningPort;

    public DownloadLinks(byte[] secret, Duration lifetime, Clock clock, Optional<String> publicUrl, IntSupplier listeningPort) {
        this.links = new SignedLinks(secret, clock, AUDIENCE, lifetime);
        this.clock = clock;
        this.publicUrl = publicUrl;
        this.listeningPort = listeningPort;
    }

    public Link issue(String orgSlug, UUID firmwareId) {
        String base = publicUrl.orElseGet(() -> "http://127.0.0.1:" + listeningPort.getAsInt());
        return new Link(base + "/api/v1" + PATH + "?token=" + links.token(orgSlug, firmwareId),
                clock.instant().plus(links.lifetime()));
    }

    Grant verify(Optional<String> token) {
        SignedLinks.Grant grant = links.verify(token);
        return new Grant(grant.orgSlug(), grant.subject());
    }
}
