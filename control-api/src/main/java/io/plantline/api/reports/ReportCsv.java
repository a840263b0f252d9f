package io.plantline.api.reports;

import io.plantline.api.db.Conditions;
import io.plantline.api.db.Database;
import io.plantline.api.kpis.KpiQueries;
import io.plantline.api.kpis.OeeFigures;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Writes a report as RFC 4180 CSV: a header row, then the rows in time order, streamed from a database cursor.
 * Timestamps are ISO-8601 UTC, the organisation's time zone is a column, numbers are written as the API writes
 * them and an absent value is an empty field. OEE rows are the API's {@code /analytics/oee} rows (the same SQL):
 * one per bucket ({@code kind} = {@code bucket}), then the range's total ({@code kind} = {@code total}, no
 * {@code bucket_start}). Shift reports have a line per shift instance ({@link ShiftReport}).
 */
final class ReportCsv {

    static final int FETCH_ROWS = 5_000;
    static final List<String> OEE = List.of("kind", "bucket_start", "time_zone", "planned_ms", "run_ms", "total_count",
            "good_count", "ideal_ms", "good_ideal_ms", "availability", "performance", "quality", "oee",
            "performance_above_1");
    static final List<String> TELEMETRY = List.of("bucket_start", "time_zone", "device_id", "metric", "count", "min",
            "max", "avg", "stddev");
    static final List<String> ALERTS = List.of("alert_id", "device_id", "rule_id", "metric", "severity", "status",
            "opened_at", "time_zone", "last_value", "peak_value", "escalated_at", "cleared_at", "acknowledged_at",
            "acknowledged_by", "resolved_at", "resolved_by");

    /** Told of the rows written so far and how far through the range they are (0 to 1). */
    interface Progress {
        void at(long rows, double fraction);
    }

    private ReportCsv() {
    }

    /** Writes the whole report into {@code file}; answers the number of data rows. */
    static long write(Database.Tx tx, ReportRequest request, ZoneId zone, OutputStream file, ShiftReport shifts,
                      Progress progress) throws SQLException, IOException {
        // A year of minutes takes longer than an API request may; the report's own transaction may take minutes.
        tx.update("SET LOCAL statement_timeout = 600000");
        CSVPrinter csv = new CSVPrinter(new OutputStreamWriter(file, StandardCharsets.UTF_8), CSVFormat.RFC4180);
        long[] rows = {0};
        Database.RowHandler each = switch (request.type()) {
            case "oee" -> row -> record(csv, oee(OeeFigures.of(row), zone), request, row, "bucket_start", rows, progress);
            case "telemetry" -> row -> record(csv, telemetry(row, zone), request, row, "bucket", rows, progress);
            default -> row -> record(csv, alert(row, zone), request, row, "opened_at", rows, progress);
        };
        csv.printRecord(header(request.type()));
        if (request.type().equals("shifts")) {
            // A month of shifts is a hundred lines or so, read before the first is written.
            List<List<Object>> lines = shifts.lines(request, zone.getId());
            for (List<Object> line : lines) {
                csv.printRecord(values(line.toArray()));
                rows[0]++;
                progress.at(rows[0], (double) rows[0] / lines.size());
            }
            csv.close(true);
            return rows[0];
        }
        KpiQueries.Query query = query(request);
        try {
            tx.forEach(query.sql(), FETCH_ROWS, each, query.parameters());
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        csv.close(true);
        return rows[0];
    }

    static List<String> header(String type) {
        return switch (type) {
            case "oee" -> OEE;
            case "telemetry" -> TELEMETRY;
            case "shifts" -> ShiftReport.HEADER;
            default -> ALERTS;
        };
    }

    private static KpiQueries.Query query(ReportRequest request) {
        return switch (request.type()) {
            case "oee" -> KpiQueries.oee(request.kpiScope(), request.granularity(), request.from(), request.to());
            case "telemetry" -> KpiQueries.telemetry(request.kpiScope(), Optional.empty(), request.granularity(),
                    request.from(), request.to());
            default -> alerts(request.kpiScope(), request.from(), request.to());
        };
    }

    private static KpiQueries.Query alerts(KpiQueries.Scope scope, Instant from, Instant to) {
        Conditions where = new Conditions().and("org_slug = ? AND opened_at >= ? AND opened_at < ?", scope.orgSlug(), from, to)
                .andIf(scope.deviceId(), "device_id = ?");
        scope.groupId().ifPresent(group -> where.and("device_id IN (SELECT device_id FROM device_group_members"
                + " WHERE org_slug = ? AND group_id = ?)", scope.orgSlug(), group));
        return new KpiQueries.Query("SELECT id, device_id, rule_id, metric, severity, status, opened_at, last_value,"
                + " peak_value, escalated_at, cleared_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by"
                + " FROM alerts WHERE " + where.sql() + " ORDER BY opened_at, id", where.values());
    }

    private static void record(CSVPrinter csv, List<Object> values, ReportRequest request, ResultSet row, String timeColumn,
                               long[] rows, Progress progress) throws SQLException {
        try {
            csv.printRecord(values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        rows[0]++;
        Timestamp at = row.getTimestamp(timeColumn);
        double fraction = at == null ? 1.0 : (double) (at.getTime() - request.from().toEpochMilli())
                / (request.to().toEpochMilli() - request.from().toEpochMilli());
        progress.at(rows[0], Math.max(0, Math.min(1, fraction)));
    }

    private static List<Object> oee(OeeFigures figures, ZoneId zone) {
        return values(figures.bucketStart() == null ? "total" : "bucket", figures.bucketStart(), zone.getId(),
                figures.plannedMs(), figures.runMs(), figures.totalCount(), figures.goodCount(), figures.idealMs(),
                figures.goodIdealMs(), figures.availability(), figures.performance(), figures.quality(), figures.oee(),
                figures.performanceAbove1());
    }

    private static List<Object> telemetry(ResultSet row, ZoneId zone) throws SQLException {
        return values(row.getTimestamp("bucket").toInstant(), zone.getId(), row.getString("device_id"),
                row.getString("metric"), row.getLong("n"), row.getDouble("lo"), row.getDouble("hi"),
                row.getDouble("mean"), row.getDouble("sd"));
    }

    private static List<Object> alert(ResultSet row, ZoneId zone) throws SQLException {
        return values(row.getString("id"), row.getString("device_id"), row.getString("rule_id"), row.getString("metric"),
                row.getString("severity"), row.getString("status"), instant(row, "opened_at"), zone.getId(),
                Database.nullableDouble(row, "last_value"), Database.nullableDouble(row, "peak_value"),
                instant(row, "escalated_at"), instant(row, "cleared_at"), instant(row, "acknowledged_at"),
                row.getString("acknowledged_by"), instant(row, "resolved_at"), row.getString("resolved_by"));
    }

    private static Instant instant(ResultSet row, String column) throws SQLException {
        return Database.instant(row, column).orElse(null);
    }

    /**
     * Nulls as empty fields, everything else as its text (instants ISO-8601 UTC, numbers as Java and the API write
     * them). Text beginning with {@code = + - @}, a tab or a carriage return is prefixed with {@code '}, as OWASP's
     * CSV-injection guidance says, so a spreadsheet shows it rather than running it as a formula; numbers are left as
     * they are, so a negative reading stays a number.
     */
    private static List<Object> values(Object... values) {
        List<Object> fields = new ArrayList<>(values.length);
        for (Object value : values) {
            fields.add(value == null ? "" : value instanceof Number ? value.toString() : inert(value.toString()));
        }
        return fields;
    }

    private static String inert(String text) {
        return !text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0 ? "'" + text : text;
    }
}
