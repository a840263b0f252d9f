package io.plantline.api.kpis;

import io.plantline.api.db.Database;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/**
 * Summed OEE components of a bucket (or of a whole range: {@code bucketStart} null) and the ratios computed from
 * the sums as the OEE contract says, never by averaging ratios. Performance and OEE are null where any minute
 * summed had no ideal cycle time. Known time, and with it utilisation (planned / known) and TEEP (good ideal time /
 * known), comes from minutes only (the hourly and daily roll-ups do not keep it): null at other granularities and
 * where any minute summed was stored before known time was.
 */
public record OeeFigures(Instant bucketStart, long plannedMs, long runMs, long totalCount, long goodCount,
                         Double idealMs, Double goodIdealMs, Double availability, Double performance, Double quality,
                         Double oee, boolean performanceAbove1, Long knownMs, Double utilisation, Double teep) {

    public static OeeFigures of(ResultSet row) throws SQLException {
        long known = row.getLong("known_ms");
        Long knownMs = row.wasNull() ? null : known;
        return new OeeFigures(Database.instant(row, "bucket_start").orElse(null), row.getLong("planned_ms"),
                row.getLong("run_ms"), row.getLong("total_count"), row.getLong("good_count"),
                Database.nullableDouble(row, "ideal_ms"), Database.nullableDouble(row, "good_ideal_ms"),
                Database.nullableDouble(row, "availability"), Database.nullableDouble(row, "performance"),
                Database.nullableDouble(row, "quality"), Database.nullableDouble(row, "oee"),
                row.getBoolean("performance_above_1"), knownMs,
                Database.nullableDouble(row, "utilisation"), Database.nullableDouble(row, "teep"));
    }

    /** The same figures as the row of a bucket starting at {@code start} (a shift's). */
    OeeFigures startingAt(Instant start) {
        return new OeeFigures(start, plannedMs, runMs, totalCount, goodCount, idealMs, goodIdealMs, availability,
                performance, quality, oee, performanceAbove1, knownMs, utilisation, teep);
    }
}
