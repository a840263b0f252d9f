package io.plantline.api.devices;

import io.plantline.api.db.Database;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The newest minute of each metric of some devices, as the analytics job wrote it to {@code telemetry_1m}: what a
 * device or a live channel shows as its latest readings (raw readings are not kept). Looks back one day, so the query
 * reads only the newest index pages of a long history.
 */
public final class LatestMinutes {

    static final Duration WINDOW = Duration.ofDays(1);

    public record Latest(String deviceId, String metric, Instant minute, long count, double min, double max, double avg) {
    }

    private final Database database;
    private final Clock clock;

    public LatestMinutes(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    public List<Latest> of(String orgSlug, List<String> deviceIds) {
        return database.list("SELECT DISTINCT ON (device_id, metric) device_id, metric, bucket_start, count, min, max, avg"
                        + " FROM telemetry_1m WHERE org_slug = ? AND device_id = ANY (?) AND bucket_start >= ?"
                        + " ORDER BY device_id, metric, bucket_start DESC",
                row -> new Latest(row.getString(1), row.getString(2), row.getTimestamp(3).toInstant(), row.getLong(4),
                        row.getDouble(5), row.getDouble(6), row.getDouble(7)),
                orgSlug, deviceIds.toArray(String[]::new), Timestamp.from(clock.instant().minus(WINDOW)));
    }
}
