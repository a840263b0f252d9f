package io.plantline.api.auth;

import io.plantline.api.http.Role;
import java.time.Instant;
import java.util.UUID;

/** A user as the API shows it (never with the password hash). */
public record User(UUID id, String orgSlug, String email, String displayName, Role role, boolean disabled,
                   Instant createdAt) {
}
