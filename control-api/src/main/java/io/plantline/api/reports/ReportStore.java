package io.plantline.api.reports;

import io.plantline.api.db.Database;
import io.plantline.api.kpis.Granularity;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The {@code reports} table and its chunks. */
final class ReportStore {

    /** A running report's lease: renewed as it makes progress; when it runs out, another server takes the report. */
    static final Duration LEASE = Duration.ofMinutes(2);
    private static final String COLUMNS = "report_id, type, scope, scope_id, range_from, range_to, granularity, format,"
            + " status, progress, row_count, size_bytes, error, requester_email, created_at, started_at, finished_at,"
            + " expires_at";

    /** A ready report's file: its size and how to read its chunks. */
    record File(long sizeBytes, int chunks) {
    }

    private final Database database;

    ReportStore(Database database) {
        this.database = database;
    }

    /** Queues the report, unless the organisation has {@code limit} queued or running already (then false). */
    boolean queue(String orgSlug, UUID userId, String email, Report report, int limit) {
        return database.transaction(tx -> {
            // One organisation's requests queue one at a time, so two at once cannot both pass the limit (a lock that
            // leaves rows referring to the organisation free to be written meanwhile).
            tx.one("SELECT 1 FROM organisations WHERE slug = ? FOR NO KEY UPDATE", row -> 1, orgSlug);
            long active = tx.one("SELECT count(*) FROM reports WHERE org_slug = ? AND status IN ('queued', 'running')",
                    row -> row.getLong(1), orgSlug).orElse(0L);
            if (active >= limit) {
                return false;
            }
            tx.update("INSERT INTO reports (report_id, org_slug, requested_by, requester_email, type, scope, scope_id,"
                    + " range_from, range_to, granularity, format, status, created_at, expires_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)", report.reportId(), orgSlug, userId, email,
                    report.type(), report.scope(), report.scopeId(), report.from(), report.to(), report.granularity(),
                    report.format(), report.createdAt(), report.expiresAt());
            return true;
        });
    }

    Optional<Report> find(String orgSlug, UUID reportId) {
        return database.one("SELECT " + COLUMNS + " FROM reports WHERE org_slug = ? AND report_id = ?",
                ReportStore::report, orgSlug, reportId);
    }

    List<Report> list(String orgSlug, int offset, int limit) {
        return database.list("SELECT " + COLUMNS + " FROM reports WHERE org_slug = ? ORDER BY created_at DESC, report_id"
                + " LIMIT ? OFFSET ?", ReportStore::report, orgSlug, limit, offset);
    }

    long count(String orgSlug) {
        return database.one("SELECT count(*) FROM reports WHERE org_slug = ?", row -> row.getLong(1), orgSlug).orElse(0L);
    }

    /** The next queued report, or a running one whose server stopped renewing it; leased to the caller. */
    Optional<ReportRequest> claim(Instant now) {
        return database.transaction(tx -> {
            Optional<ReportRequest> next = tx.one("SELECT report_id, org_slug, type, scope, scope_id, range_from, range_to,"
                    + " granularity FROM reports WHERE status = 'queued' OR (status = 'running' AND lease_until < now())"
                    + " ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED", row -> new ReportRequest(
                    row.getObject("report_id", UUID.class), row.getString("org_slug"), row.getString("type"),
                    row.getString("scope"), row.getString("scope_id"), row.getTimestamp("range_from").toInstant(),
                    row.getTimestamp("range_to").toInstant(),
                    Granularity.fromWireName(row.getString("granularity")).orElseThrow()));
            if (next.isPresent()) {
                tx.update("DELETE FROM report_chunks WHERE report_id = ?", next.get().reportId());
                tx.update("UPDATE reports SET status = 'running', progress = 0, row_count = 0, started_at = ?,"
                        + " lease_until = now() + ?::interval WHERE report_id = ?", now, LEASE.toSeconds() + " seconds",
                        next.get().reportId());
            }
            return next;
        });
    }

    void progress(UUID reportId, long rows, double fraction) {
        database.update("UPDATE reports SET row_count = ?, progress = ?, lease_until = now() + ?::interval"
                + " WHERE report_id = ? AND status = 'running'", rows, fraction, LEASE.toSeconds() + " seconds", reportId);
    }

    /** In the generator's transaction, so the report is ready exactly when its file is complete. */
    static void ready(Database.Tx tx, UUID reportId, long rows, long sizeBytes, Instant now) throws SQLException {
        tx.update("UPDATE reports SET status = 'ready', progress = 1, row_count = ?, size_bytes = ?, finished_at = ?,"
                + " lease_until = NULL WHERE report_id = ?", rows, sizeBytes, now, reportId);
    }

    void failed(UUID reportId, String error, Instant now) {
        database.update("UPDATE reports SET status = 'failed', error = ?, finished_at = ?, lease_until = NULL"
                + " WHERE report_id = ?", error, now, reportId);
    }

    void mailed(UUID reportId, Optional<String> error, Instant now) {
        database.update("UPDATE reports SET mailed_at = ?, mail_error = ? WHERE report_id = ?", now, error.orElse(null),
                reportId);
    }

    String requesterEmail(UUID reportId) {
        return database.one("SELECT requester_email FROM reports WHERE report_id = ?", row -> row.getString(1), reportId)
                .orElseThrow();
    }

    /** The ready report's file, if it is one of the organisation's. */
    Optional<File> file(String orgSlug, UUID reportId) {
        return database.one("SELECT r.size_bytes, (SELECT count(*) FROM report_chunks c WHERE c.report_id = r.report_id)"
                + " FROM reports r WHERE r.org_slug = ? AND r.report_id = ? AND r.status = 'ready'",
                row -> new File(row.getLong(1), row.getInt(2)), orgSlug, reportId);
    }

    byte[] chunk(UUID reportId, int seq) {
        return database.one("SELECT data FROM report_chunks WHERE report_id = ? AND seq = ?", row -> row.getBytes(1),
                reportId, seq).orElseThrow(() -> new IllegalStateException("report " + reportId + " lost chunk " + seq));
    }

    /** Deletes the reports whose time is up, with their files; answers how many. */
    int deleteExpired(Instant now) {
        return database.update("DELETE FROM reports WHERE expires_at < ?", now);
    }

    private static Report report(ResultSet row) throws SQLException {
        return new Report(row.getObject("report_id", UUID.class), row.getString("type"), row.getString("scope"),
                row.getString("scope_id"), row.getTimestamp("range_from").toInstant(),
                row.getTimestamp("range_to").toInstant(), row.getString("granularity"), row.getString("format"),
                row.getString("status"), row.getDouble("progress"), row.getLong("row_count"), row.getLong("size_bytes"),
                row.getString("error"), row.getString("requester_email"), row.getTimestamp("created_at").toInstant(),
                Database.instant(row, "started_at").orElse(null), Database.instant(row, "finished_at").orElse(null),
                row.getTimestamp("expires_at").toInstant());
    }
}
