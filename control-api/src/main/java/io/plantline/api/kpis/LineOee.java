package io.plantline.api.kpis;

import io.plantline.api.db.Database;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The newest minute of a group's (a line's) OEE, its machines' components summed by the contract's rule as
 * {@code /analytics/oee} sums them: what the live channel {@code oee:{groupId}} shows. The OEE job writes a minute
 * once its window has closed, so the newest minute is the last complete one.
 */
public final class LineOee {

    /** Only minutes this recent count as the line's current OEE, which also keeps the query on recent index pages. */
    static final Duration RECENT = Duration.ofHours(1);

    private final Database database;
    private final KpiStore store;
    private final Scopes scopes;
    private final Clock clock;

    public LineOee(Database database, Clock clock) {
        this.database = database;
        this.store = new KpiStore(database);
        this.scopes = new Scopes(database);
        this.clock = clock;
    }

    public boolean groupExists(String orgSlug, String groupId) {
        return scopes.groupExists(orgSlug, groupId);
    }

    public Optional<OeeFigures> newestMinute(String orgSlug, String groupId) {
        return database.one("SELECT max(o.bucket_start) FROM oee_1m o JOIN device_group_members m"
                                + " ON m.org_slug = o.org_slug AND m.device_id = o.device_id"
                                + " WHERE o.org_slug = ? AND m.group_id = ? AND o.bucket_start >= ?",
                        row -> Optional.ofNullable(row.getTimestamp(1)).map(Timestamp::toInstant),
                        orgSlug, groupId, Timestamp.from(clock.instant().minus(RECENT)))
                .flatMap(newest -> newest)
                .flatMap(minute -> store.oee(new KpiQueries.Scope(orgSlug, Optional.empty(), Optional.of(groupId)),
                                Granularity.MINUTE, minute, minute.plus(Granularity.MINUTE.nominal)).stream()
                        .filter(figures -> figures.bucketStart() != null).findFirst());
    }
}
