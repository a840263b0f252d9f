package io.plantline.api.http;

import java.util.UUID;

/** The user a request acts for, as the access token says; every query is scoped to {@code orgSlug}. */
public record Principal(UUID userId, String orgSlug, Role role, String email) {
}
