package io.plantline.api.reports;

import io.plantline.api.ApiOptions;
import io.plantline.api.db.Database;
import io.plantline.api.notifications.NotificationEvent;
import io.plantline.api.notifications.Notifications;
import io.plantline.api.organisations.OrganisationZones;
import io.plantline.concurrent.DaemonThreads;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates queued reports, at most {@code workers} at once on this server: claims one ({@code SKIP LOCKED}, so
 * several servers share the queue), renews its lease while it generates it (however long the query runs before its
 * first row), streams its rows into chunks in one transaction (a crash leaves no half file, and the report is taken
 * up again when its lease runs out, at most {@code maxAttempts} starts in all), and, in that transaction, queues the
 * requester's mail with a signed, expiring link through the organisation's mail channel (the notification outbox
 * retries it like any mail). Only the latest start of a report may finish or fail it, so a ready report stays ready.
 * Expired reports are deleted with their files.
 */
final class ReportWorker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReportWorker.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final long PROGRESS_EVERY_MS = 1000;

    /** The report was started again elsewhere meanwhile (this server lost its lease): nothing of this start commits. */
    private static final class StartOutdated extends SQLException {
        StartOutdated(ReportRequest request) {
            super("report " + request.reportId() + " was started again after start " + request.attempt());
        }
    }

    private final Database database;
    private final ShiftReport shifts;
    private final ReportStore store;
    private final ReportLinks links;
    private final Clock clock;
    private final Duration heartbeat;
    private final int maxAttempts;
    private final Semaphore free;
    private volatile boolean closing;
    private final ExecutorService generating;
    private final ScheduledExecutorService polling = daemon("report-claims");
    private final ScheduledExecutorService leases = daemon("report-leases");

    ReportWorker(Database database, ReportStore store, ReportLinks links, Clock clock, ApiOptions.Reports options) {
        this.database = database;
        this.shifts = new ShiftReport(database);
        this.store = store;
        this.links = links;
        this.clock = clock;
        // Three renewals a lease: one that is late or fails still leaves the lease running.
        this.heartbeat = options.lease().dividedBy(3);
        this.maxAttempts = options.maxAttempts();
        this.free = new Semaphore(options.workers());
        this.generating = Executors.newFixedThreadPool(options.workers(), DaemonThreads.numbered("report-worker"));
    }

    private static ScheduledExecutorService daemon(String name) {
        return Executors.newSingleThreadScheduledExecutor(DaemonThreads.named(name));
    }

    void start() {
        polling.scheduleWithFixedDelay(this::poll, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void poll() {
        try {
            store.deleteExpired(clock.instant());
            int givenUp = store.giveUp(maxAttempts, clock.instant());
            if (givenUp > 0) {
                LOG.warn("{} report(s) failed: started {} times, never finished", givenUp, maxAttempts);
            }
            while (free.tryAcquire()) {
                Optional<ReportRequest> next = store.claim(clock.instant(), maxAttempts);
                if (next.isEmpty()) {
                    free.release();
                    return;
                }
                generating.execute(() -> {
                    try {
                        generate(next.get());
                    } finally {
                        free.release();
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.warn("looking for reports to generate failed; trying again", e);
        }
    }

    private void generate(ReportRequest request) {
        ScheduledFuture<?> renewing = leases.scheduleAtFixedRate(() -> renew(request), heartbeat.toMillis(),
                heartbeat.toMillis(), TimeUnit.MILLISECONDS);
        try {
            write(request);
            LOG.info("report {} of {} is ready", request.reportId(), request.orgSlug());
        } catch (RuntimeException e) {
            if (closing) {
                // Stopped with the server: the report stays running, and is taken up again when its lease runs out.
                return;
            }
            if (e.getCause() instanceof StartOutdated outdated) {
                LOG.warn("report {}: {}; this start's file is dropped", request.reportId(), outdated.getMessage());
                return;
            }
            LOG.warn("report {} failed", request.reportId(), e);
            store.failed(request, "the report could not be generated (the server log has the cause under report id "
                    + request.reportId() + ")", clock.instant());
        } finally {
            renewing.cancel(false);
        }
    }

    /** The file and the ready mail, in one transaction. */
    private void write(ReportRequest request) {
        long[] lastProgress = {System.currentTimeMillis()};
        ZoneId zone = OrganisationZones.of(database, request.orgSlug()).orElse(ZoneId.of("UTC"));
        database.transaction(tx -> {
            try (ChunkedFile file = new ChunkedFile(tx, request.reportId())) {
                long rows = ReportCsv.write(tx, request, zone, file, shifts, (written, fraction) -> {
                    if (System.currentTimeMillis() - lastProgress[0] >= PROGRESS_EVERY_MS) {
                        lastProgress[0] = System.currentTimeMillis();
                        store.progress(request, written, fraction);
                    }
                });
                file.close();
                Instant now = clock.instant();
                String requester = ReportStore.ready(tx, request, rows, file.size(), now)
                        .orElseThrow(() -> new StartOutdated(request));
                Notifications.mail(tx, NotificationEvent.reportReady(request.orgSlug(), request.reportId(),
                        request.type(), request.from(), request.to(), requester,
                        links.issue(request.orgSlug(), request.reportId()), now), now);
            } catch (IOException e) {
                throw new SQLException("writing the report failed", e);
            }
            return null;
        });
    }

    private void renew(ReportRequest request) {
        try {
            if (!store.renew(request)) {
                LOG.warn("report {} is no longer start {}'s to finish", request.reportId(), request.attempt());
            }
        } catch (RuntimeException e) {
            LOG.warn("renewing the lease of report {} failed; trying again", request.reportId(), e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        polling.shutdown();
        polling.awaitTermination(10, TimeUnit.SECONDS);
        generating.shutdownNow();
        generating.awaitTermination(10, TimeUnit.SECONDS);
        leases.shutdownNow();
    }
}
