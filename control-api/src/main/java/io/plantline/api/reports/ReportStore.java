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

    private static final String COLUMNS = "report_id, type, scope, scope_id, range_from, range_to, granularity, format,"
            + " status, progress, row_count, size_bytes, error, requester_email, created_at, started_at, finished_at,"
            + " expires_at, attempts";

    /** A ready report's file: its size and how to read its chunks. */
    record File(long sizeBytes, int chunks) {
    }

    /** The report is running, and its latest start is the caller's. */
    private static final String THIS_START = "report_id = ? AND status = 'running' AND attempts = ?";

    private final Database database;
    /** A running report's lease: renewed while it is generated; when it runs out, another server takes the report. */
    private final Duration lease;

    ReportStore(Database database, Duration lease) {
        this.database = database;
        this.lease = lease;
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

    /**
     * The next queued report, or a running one whose server stopped renewing its lease and that may be started again
     * (fewer than {@code maxAttempts} starts); leased to the caller as its next start.
     */
    Optional<ReportRequest> claim(Instant now, int maxAttempts) {
        return database.transaction(tx -> {
            Optional<ReportRequest> next = tx.one("SELECT report_id, org_slug, type, scope, scope_id, range_from, range_to,"
                    + " granularity, attempts FROM reports WHERE status = 'queued' OR (status = 'running'"
                    + " AND lease_until < now() AND attempts < ?) ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED",
                    row -> new ReportRequest(row.getObject("report_id", UUID.class), row.getString("org_slug"),
                            row.getString("type"), row.getString("scope"), row.getString("scope_id"),
                            row.getTimestamp("range_from").toInstant(), row.getTimestamp("range_to").toInstant(),
                            Granularity.fromWireName(row.getString("granularity")).orElse(null),
                            row.getInt("attempts") + 1), maxAttempts);
            if (next.isPresent()) {
                tx.update("DELETE FROM report_chunks WHERE report_id = ?", next.get().reportId());
                tx.update("UPDATE reports SET status = 'running', progress = 0, row_count = 0, started_at = ?,"
                        + " attempts = ?, lease_until = now() + ?::interval WHERE report_id = ?", now,
                        next.get().attempt(), interval(), next.get().reportId());
            }
            return next;
        });
    }

    /**
     * Fails the running reports whose lease ran out after their last start: each time their server stopped (or died)
     * before they were done, so they are not started for ever. Answers how many.
     */
    int giveUp(int maxAttempts, Instant now) {
        return database.update("UPDATE reports SET status = 'failed', error = 'the report was started ' || attempts"
                + " || ' times and never finished: each time its server stopped before it was done', finished_at = ?,"
                + " lease_until = NULL WHERE status = 'running' AND lease_until < now() AND attempts >= ?", now,
                maxAttempts);
    }

    /** Renews the lease of this start of the report; false once the report is no longer this start's to finish. */
    boolean renew(ReportRequest request) {
        return database.update("UPDATE reports SET lease_until = now() + ?::interval WHERE " + THIS_START, interval(),
                request.reportId(), request.attempt()) == 1;
    }

    void progress(ReportRequest request, long rows, double fraction) {
        database.update("UPDATE reports SET row_count = ?, progress = ? WHERE " + THIS_START, rows, fraction,
                request.reportId(), request.attempt());
    }

    /**
     * In the generator's transaction, so the report is ready exactly when its file is complete. Answers the
     * requester's address, or empty when the report is no longer this start's to finish (then nothing may commit).
     */
    static Optional<String> ready(Database.Tx tx, ReportRequest request, long rows, long sizeBytes, Instant now)
            throws SQLException {
        return tx.one("UPDATE reports SET status = 'ready', progress = 1, row_count = ?, size_bytes = ?, finished_at = ?,"
                + " lease_until = NULL WHERE " + THIS_START + " RETURNING requester_email", row -> row.getString(1),
                rows, sizeBytes, now, request.reportId(), request.attempt());
    }

    /** Fails this start of the report; a report already ready, failed or started again is left as it is. */
    void failed(ReportRequest request, String error, Instant now) {
        database.update("UPDATE reports SET status = 'failed', error = ?, finished_at = ?, lease_until = NULL"
                + " WHERE " + THIS_START, error, now, request.reportId(), request.attempt());
    }

    private String interval() {
        return lease.toMillis() + " milliseconds";
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
                row.getTimestamp("expires_at").toInstant(), row.getInt("attempts"));
    }
}
