package io.plantline.api.alerts;

import java.time.Instant;

/** A comment given when acknowledging or resolving an alert: what was said, by whom and when. */
public record AlertComment(String text, String by, Instant at) {
}
