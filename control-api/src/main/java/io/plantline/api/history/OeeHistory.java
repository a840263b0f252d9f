package io.plantline.api.history;

import io.plantline.api.db.Database;
import io.plantline.api.http.Json;
import io.plantline.api.shifts.DeviceCalendars;
import io.plantline.concurrent.DaemonThreads;
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
 * <p>A slice that fails is undone and its rewrite tried again after a back-off ({@link #backOff}), while the other
 * machines' rewrites go on. It is never given up: stored minutes that disagree with the settings stay wrong until it
 * succeeds, and the cause (a refused row, a timeout) can be fixed without anyone asking again; meanwhile
 * {@link #rewrites} shows it failing, with its attempts and next attempt, and the log has the cause.
 *
 * <p>A minute takes the ideal cycle time and scheduled flag in force at its start, so the one minute a change falls
 * inside keeps its earlier value; the OEE job computes that minute exactly while it is within the allowed lateness.
 */
public final class OeeHistory implements AutoCloseable {

    static final Duration SLICE = Duration.ofDays(1);
    private static final Duration POLL = Duration.ofSeconds(2);
    /** The wait after a first failure; it doubles with each further one up to {@link #MAX_BACK_OFF}. */
    static final Duration FIRST_BACK_OFF = Duration.ofSeconds(10);
    /** Long enough that a rewrite failing for days costs one slice an hour, short enough to notice a fix soon. */
    static final Duration MAX_BACK_OFF = Duration.ofHours(1);
    private static final Logger LOG = LoggerFactory.getLogger(OeeHistory.class);

    /**
     * One machine's rewrite: minutes from {@code from} on, done before {@code next}, until {@code upTo}; its
     * {@code status} is {@code pending}, {@code failing} (its last attempt failed: {@code attempts} since the last slice
     * that succeeded, a {@code failure} that names no internals) or {@code done}.
     */
    public record Rewrite(String deviceId, Instant from, Instant next, Instant upTo, Instant requestedAt,
                          Optional<Instant> doneAt, String status, int attempts, Optional<String> failure,
                          Optional<Instant> lastFailedAt, Optional<Instant> nextAttemptAt) {
    }

    private record Pending(String orgSlug, String deviceId, Instant next, Instant upTo, int attempts) {
    }

    private final Database database;
    private final DeviceCalendars calendars;
    private final Clock clock;
    private final ScheduledExecutorService worker =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("oee-history"));

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
                + " up_to = greatest(r.up_to, EXCLUDED.up_to), requested_at = EXCLUDED.requested_at, done_at = NULL,"
                + " attempts = 0, last_failed_at = NULL, next_attempt_at = NULL",
                orgSlug, deviceId, first, first, now, now);
    }

    /** The organisation's rewrites, pending first, then the latest done. */
    public List<Rewrite> rewrites(String orgSlug, int limit) {
        return database.list("SELECT device_id, from_bucket, next_bucket, up_to, requested_at, done_at, attempts,"
                + " last_failed_at, next_attempt_at FROM oee_rewrites"
                + " WHERE org_slug = ? ORDER BY done_at DESC NULLS FIRST, requested_at DESC LIMIT ?",
                OeeHistory::rewrite, orgSlug, limit);
    }

    /** Rewrites slices until none is due; a failure to claim one (the database away) is tried again at the next poll. */
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

    /** Rewrites one slice of one due machine, or records its failure; false when nothing is due. */
    boolean rewriteSlice() {
        return database.transaction(tx -> {
            Instant now = clock.instant();
            Optional<Pending> claimed = tx.one("SELECT org_slug, device_id, next_bucket, up_to, attempts FROM oee_rewrites"
                    + " WHERE done_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
                    + " ORDER BY requested_at LIMIT 1 FOR UPDATE SKIP LOCKED",
                    row -> new Pending(row.getString(1), row.getString(2), row.getTimestamp(3).toInstant(),
                            row.getTimestamp(4).toInstant(), row.getInt(5)), now);
            if (claimed.isEmpty()) {
                return false;
            }
            Pending pending = claimed.get();
            try {
                tx.withSavepoint(slice -> {
                    rewriteNextSlice(slice, pending);
                    return null;
                });
            } catch (SQLException | RuntimeException e) {
                Instant nextAttempt = now.plus(backOff(pending.attempts() + 1));
                LOG.warn("rewriting the OEE minutes of {}/{} from {} failed (attempt {}); trying again at {}",
                        pending.orgSlug(), pending.deviceId(), pending.next(), pending.attempts() + 1, nextAttempt, e);
                tx.update("UPDATE oee_rewrites SET attempts = attempts + 1, last_failed_at = ?, next_attempt_at = ?"
                        + " WHERE org_slug = ? AND device_id = ?", now, nextAttempt, pending.orgSlug(), pending.deviceId());
            }
            return true;
        });
    }

    /** The wait before the next attempt after {@code failures} failures in a row. */
    static Duration backOff(int failures) {
        Duration wait = FIRST_BACK_OFF;
        for (int failure = 1; failure < failures && wait.compareTo(MAX_BACK_OFF) < 0; failure++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(MAX_BACK_OFF) < 0 ? wait : MAX_BACK_OFF;
    }

    private void rewriteNextSlice(Database.Tx tx, Pending pending) throws SQLException {
        Optional<IdealCycleSchedule> idealCycle = tx.one("SELECT ideal_cycle_schedule FROM devices"
                + " WHERE org_slug = ? AND device_id = ?", row -> Json.read(row.getString(1), IdealCycleSchedule.class),
                pending.orgSlug(), pending.deviceId());
        if (idealCycle.isEmpty()) {   // the device was deleted, and its minutes with it
            tx.update("DELETE FROM oee_rewrites WHERE org_slug = ? AND device_id = ?", pending.orgSlug(), pending.deviceId());
            return;
        }
        // Exclusive for the organisation: no OEE job batch writes its minutes and roll-ups meanwhile (V20).
        tx.list("SELECT lock_oee_group_sums(?, true)", row -> null, pending.orgSlug());
        Instant sliceEnd = pending.next().plus(SLICE).isBefore(pending.upTo()) ? pending.next().plus(SLICE) : pending.upTo();
        rewrite(tx, pending, idealCycle.get(), calendars.of(tx, pending.orgSlug(), pending.deviceId()), sliceEnd);
        tx.update("UPDATE oee_rewrites SET next_bucket = ?, done_at = CASE WHEN ? >= up_to THEN now() END,"
                + " attempts = 0, last_failed_at = NULL, next_attempt_at = NULL"
                + " WHERE org_slug = ? AND device_id = ?", sliceEnd, sliceEnd, pending.orgSlug(), pending.deviceId());
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
        Instant next = row.getTimestamp("next_bucket").toInstant();
        Optional<Instant> doneAt = Database.instant(row, "done_at");
        int attempts = row.getInt("attempts");
        Optional<Instant> nextAttemptAt = Database.instant(row, "next_attempt_at");
        String status = doneAt.isPresent() ? "done" : attempts > 0 ? "failing" : "pending";
        // The cause stays in the log: it may name tables, values or other internals.
        Optional<String> failure = attempts == 0 ? Optional.empty() : Optional.of("the minutes from " + next
                + " on could not be rewritten; the next attempt is at nextAttemptAt, the cause is in the API's log");
        return new Rewrite(row.getString("device_id"), row.getTimestamp("from_bucket").toInstant(), next,
                row.getTimestamp("up_to").toInstant(), row.getTimestamp("requested_at").toInstant(), doneAt, status,
                attempts, failure, Database.instant(row, "last_failed_at"), nextAttemptAt);
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
