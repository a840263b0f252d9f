package io.plantline.api.history;

import io.plantline.api.db.Database;
import io.plantline.api.http.Json;
import io.plantline.api.shifts.DeviceCalendars;
import io.plantline.model.IdealCycleSchedule;
import io.plantline.model.shifts.CalendarSchedule;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stored OEE minutes follow a change made effective in the past: a calendar or an ideal cycle time written from an
 * earlier time on asks for each machine's minutes from then to now to be rewritten ({@code oee_rewrites}), and a
 * worker rewrites them from their stored components, one machine and {@link #SLICE} at a time, each slice in one
 * transaction with its hours, days and group hours. Any API process may run a slice (rows are claimed with SKIP
 * LOCKED), and a rewrite asked again while pending is merged into it, so a rewrite is idempotent and survives restarts.
 *
 * <p>A minute takes the ideal cycle time and scheduled flag in force at its start, so the one minute a change falls
 * inside keeps its earlier value; the OEE job computes that minute exactly while it is within the allowed lateness.
 */
public final class OeeHistory implements AutoCloseable {

    static final Duration SLICE = Duration.ofDays(1);
    private static final Duration POLL = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(OeeHistory.class);

    /** One machine's rewrite: minutes from {@code from} on, done before {@code next}, until {@code upTo}. */
    public record Rewrite(String deviceId, Instant from, Instant next, Instant upTo, Instant requestedAt,
                          Optional<Instant> doneAt) {
    }

    private record Pending(String orgSlug, String deviceId, Instant next, Instant upTo) {
    }

    private final Database database;
    private final DeviceCalendars calendars;
    private final Clock clock;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "oee-history");
        thread.setDaemon(true);
        return thread;
    });

    public OeeHistory(Database database, DeviceCalendars calendars, Clock clock) {
        this.database = database;
        this.calendars = calendars;
        this.clock = clock;
    }

    public void start() {
        worker.scheduleWithFixedDelay(this::rewritePending, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Asks for the machine's minutes from {@code from} (its minute) to now to be rewritten; none when {@code from}
     * lies in the current minute or later, as for a write effective now.
     */
    public void request(Database.Tx tx, String orgSlug, String deviceId, Instant from) throws SQLException {
        Instant now = clock.instant();
        Instant first = from.truncatedTo(ChronoUnit.MINUTES);
        if (!first.isBefore(now.truncatedTo(ChronoUnit.MINUTES))) {
            return;
        }
        tx.update("INSERT INTO oee_rewrites AS r (org_slug, device_id, from_bucket, next_bucket, up_to, requested_at)"
                + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (org_slug, device_id) DO UPDATE SET"
                + " from_bucket = CASE WHEN r.done_at IS NULL THEN least(r.from_bucket, EXCLUDED.from_bucket) ELSE EXCLUDED.from_bucket END,"
                + " next_bucket = CASE WHEN r.done_at IS NULL THEN least(r.next_bucket, EXCLUDED.next_bucket) ELSE EXCLUDED.next_bucket END,"
                + " up_to = greatest(r.up_to, EXCLUDED.up_to), requested_at = EXCLUDED.requested_at, done_at = NULL",
                orgSlug, deviceId, first, first, now, now);
    }

    /** The organisation's rewrites, pending first, then the latest done. */
    public List<Rewrite> rewrites(String orgSlug, int limit) {
        return database.list("SELECT device_id, from_bucket, next_bucket, up_to, requested_at, done_at FROM oee_rewrites"
                + " WHERE org_slug = ? ORDER BY done_at DESC NULLS FIRST, requested_at DESC LIMIT ?",
                OeeHistory::rewrite, orgSlug, limit);
    }

    /** Rewrites slices until none is pending; a failure is logged and tried again at the next poll. */
    void rewritePending() {
        try {
            boolean more = true;
            while (more && !Thread.currentThread().isInterrupted()) {
                more = rewriteSlice();
            }
        } catch (RuntimeException e) {
            LOG.warn("rewriting OEE history failed; trying again in {}", POLL, e);
        }
    }

    /** Rewrites one slice of one pending machine; false when nothing is pending. */
    boolean rewriteSlice() {
        return database.transaction(tx -> {
            Optional<Pending> claimed = tx.one("SELECT org_slug, device_id, next_bucket, up_to FROM oee_rewrites"
                    + " WHERE done_at IS NULL ORDER BY requested_at LIMIT 1 FOR UPDATE SKIP LOCKED",
                    row -> new Pending(row.getString(1), row.getString(2), row.getTimestamp(3).toInstant(),
                            row.getTimestamp(4).toInstant()));
            if (claimed.isEmpty()) {
                return false;
            }
            Pending pending = claimed.get();
            Optional<IdealCycleSchedule> idealCycle = tx.one("SELECT ideal_cycle_schedule FROM devices"
                    + " WHERE org_slug = ? AND device_id = ?", row -> Json.read(row.getString(1), IdealCycleSchedule.class),
                    pending.orgSlug(), pending.deviceId());
            if (idealCycle.isEmpty()) {   // the device was deleted, and its minutes with it
                tx.update("DELETE FROM oee_rewrites WHERE org_slug = ? AND device_id = ?", pending.orgSlug(), pending.deviceId());
                return true;
            }
            // Exclusive for the organisation: no OEE job batch writes its minutes and roll-ups meanwhile (V20).
            tx.list("SELECT lock_oee_group_sums(?, true)", row -> null, pending.orgSlug());
            Instant sliceEnd = pending.next().plus(SLICE).isBefore(pending.upTo()) ? pending.next().plus(SLICE) : pending.upTo();
            rewrite(tx, pending, idealCycle.get(), calendars.of(tx, pending.orgSlug(), pending.deviceId()), sliceEnd);
            tx.update("UPDATE oee_rewrites SET next_bucket = ?, done_at = CASE WHEN ? >= up_to THEN now() END"
                    + " WHERE org_slug = ? AND device_id = ?", sliceEnd, sliceEnd, pending.orgSlug(), pending.deviceId());
            return true;
        });
    }

    private static void rewrite(Database.Tx tx, Pending pending, IdealCycleSchedule idealCycle,
                                CalendarSchedule calendar, Instant sliceEnd) throws SQLException {
        List<Instant> minutes = tx.list("SELECT bucket_start FROM oee_1m WHERE org_slug = ? AND device_id = ?"
                        + " AND bucket_start >= ? AND bucket_start < ? AND known_ms IS NOT NULL ORDER BY bucket_start",
                row -> row.getTimestamp(1).toInstant(), pending.orgSlug(), pending.deviceId(), pending.next(), sliceEnd);
        if (minutes.isEmpty()) {
            return;
        }
        Long[] bucketMs = new Long[minutes.size()];
        Boolean[] scheduled = new Boolean[minutes.size()];
        Double[] idealCycleMs = new Double[minutes.size()];
        for (int i = 0; i < minutes.size(); i++) {
            Instant minute = minutes.get(i);
            bucketMs[i] = minute.toEpochMilli();
            scheduled[i] = calendar.schedules(minute);
            idealCycleMs[i] = idealCycle.at(minute).map(seconds -> seconds * 1000).orElse(null);
        }
        tx.update("CALL rewrite_oee_minutes(?, ?, ?, ?, ?)", pending.orgSlug(), pending.deviceId(), bucketMs, scheduled,
                idealCycleMs);
    }

    private static Rewrite rewrite(ResultSet row) throws SQLException {
        return new Rewrite(row.getString("device_id"), row.getTimestamp("from_bucket").toInstant(),
                row.getTimestamp("next_bucket").toInstant(), row.getTimestamp("up_to").toInstant(),
                row.getTimestamp("requested_at").toInstant(), Database.instant(row, "done_at"));
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
