package io.plantline.api.reports;

import java.time.Instant;
import java.util.UUID;

/**
 * A report as the API shows it: what was asked ({@code type}, {@code scope}, {@code scopeId}, the range
 * {@code [from, to)}, {@code granularity}, {@code format}), and how far it is: {@code queued}, {@code running}
 * ({@code progress} 0 to 1 through the range, {@code rows} so far), {@code ready} (download it until
 * {@code expiresAt}) or {@code failed} ({@code error}). {@code attempts}: how often it was started (again when its
 * server stopped before it was done).
 */
public record Report(UUID reportId, String type, String scope, String scopeId, Instant from, Instant to,
                     String granularity, String format, String status, double progress, long rows, long sizeBytes,
                     String error, String requestedBy, Instant createdAt, Instant startedAt, Instant finishedAt,
                     Instant expiresAt, int attempts) {
}
