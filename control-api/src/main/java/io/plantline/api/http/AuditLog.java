package io.plantline.api.http;

import io.plantline.api.db.Database;
import io.plantline.concurrent.DaemonThreads;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records write attempts in {@code api_audit}, under the request id of the logs: every one of an authenticated user
 * (refused ones too) and every successful login. Writes without a user (an anonymous client, a wrong token) are only
 * counted, and the count logged each minute, so an unauthenticated flood cannot fill the table. Rows older than the
 * retention are deleted every hour, in slices, so the table's size follows the retention.
 */
public final class AuditLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final int DELETE_SLICE = 10_000;

    private final Database database;
    private final Duration retention;
    private final Clock clock;
    private final AtomicLong refusedAnonymous = new AtomicLong();
    private final ScheduledExecutorService chores =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("audit-log"));

    public AuditLog(Database database, Duration retention, Clock clock) {
        this.database = database;
        this.retention = retention;
        this.clock = clock;
    }

    /** Starts the hourly deletion of expired rows (the first at once) and the minute's count of refusals. */
    public void start() {
        chores.scheduleWithFixedDelay(this::deleteExpired, 0, 1, TimeUnit.HOURS);
        chores.scheduleAtFixedRate(this::logRefusals, 1, 1, TimeUnit.MINUTES);
    }

    void record(Call call, String method, String path, int status) {
        if (call.principalIfAny().isEmpty() && (call.auditedEntity().isEmpty() || status >= 400)) {
            refusedAnonymous.incrementAndGet();
            return;
        }
        String org = call.principalIfAny().map(Principal::orgSlug).orElse(null);
        UUID user = call.principalIfAny().map(Principal::userId).orElse(null);
        try {
            database.update("INSERT INTO api_audit (request_id, org_slug, user_id, method, path, status, entity, details)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb)",
                    call.requestId(), org, user, method, path, status, call.auditedEntity().orElse(null),
                    Json.write(call.auditDetails()));
        } catch (RuntimeException e) {
            // The write itself has happened; failing its response now would make the client retry it.
            LOG.error("audit record lost for {} {} (request {})", method, path, call.requestId(), e);
        }
    }

    private void deleteExpired() {
        try {
            int deleted;
            do {
                deleted = database.update("DELETE FROM api_audit WHERE id IN (SELECT id FROM api_audit WHERE at < ?"
                        + " LIMIT " + DELETE_SLICE + ")", clock.instant().minus(retention));
            } while (deleted == DELETE_SLICE);
        } catch (RuntimeException e) {
            LOG.warn("cannot delete audit records older than {}; trying again in an hour", retention, e);
        }
    }

    private void logRefusals() {
        long refused = refusedAnonymous.getAndSet(0);
        if (refused > 0) {
            LOG.warn("{} write attempts without a valid token refused in the last minute (not in api_audit)", refused);
        }
    }

    @Override
    public void close() {
        chores.shutdownNow();
    }
}
