package io.plantline.api.reports;

import io.plantline.api.auth.SignedLinks;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/** Signed, expiring download links for the mail that says a report is ready ({@link SignedLinks}). */
final class ReportLinks {

    static final String PATH = "/report-download";
    private static final String AUDIENCE = "report-download";

    private final SignedLinks links;
    private final Supplier<String> apiBase;

    ReportLinks(byte[] secret, Duration lifetime, Clock clock, Supplier<String> apiBase) {
        this.links = new SignedLinks(secret, clock, AUDIENCE, lifetime);
        this.apiBase = apiBase;
    }

    String issue(String orgSlug, UUID reportId) {
        return apiBase.get() + PATH + "?token=" + links.token(orgSlug, reportId);
    }

    SignedLinks.Grant verify(Optional<String> token) {
        return links.verify(token);
    }
}
