package io.plantline.api.reports;

import io.plantline.api.db.Database;
import io.plantline.api.notifications.Mailer;
import io.plantline.api.organisations.OrganisationZones;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates queued reports, at most {@code workers} at once on this server: claims one ({@code SKIP LOCKED}, so
 * several servers share the queue), streams its rows into chunks in one transaction (a crash leaves no half file,
 * and the report is taken up again when its lease runs out), and, when it is ready and the organisation has a mail
 * channel, mails the requester a signed, expiring link. Expired reports are deleted with their files.
 */
final class ReportWorker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReportWorker.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final long PROGRESS_EVERY_MS = 1000;
    private static final int MAX_ERROR = 500;

    private final Database database;
    private final ReportStore store;
    private final ReportLinks links;
    private final Mailer mailer;
    private final Clock clock;
    private final Semaphore free;
    private volatile boolean closing;
    private final ExecutorService generating;
    private final ScheduledExecutorService polling = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "report-claims");
        thread.setDaemon(true);
        return thread;
    });

    ReportWorker(Database database, ReportStore store, ReportLinks links, Mailer mailer, Clock clock, int workers) {
        this.database = database;
        this.store = store;
        this.links = links;
        this.mailer = mailer;
        this.clock = clock;
        this.free = new Semaphore(workers);
        AtomicInteger count = new AtomicInteger();
        this.generating = Executors.newFixedThreadPool(workers, runnable -> {
            Thread thread = new Thread(runnable, "report-worker-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    void start() {
        polling.scheduleWithFixedDelay(this::poll, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void poll() {
        try {
            store.deleteExpired(clock.instant());
            while (free.tryAcquire()) {
                Optional<ReportRequest> next = store.claim(clock.instant());
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
        long[] lastProgress = {System.currentTimeMillis()};
        try {
            ZoneId zone = OrganisationZones.of(database, request.orgSlug()).orElse(ZoneId.of("UTC"));
            database.transaction(tx -> {
                try (ChunkedFile file = new ChunkedFile(tx, request.reportId())) {
                    long rows = ReportCsv.write(tx, request, zone, file, (written, fraction) -> {
                        if (System.currentTimeMillis() - lastProgress[0] >= PROGRESS_EVERY_MS) {
                            lastProgress[0] = System.currentTimeMillis();
                            store.progress(request.reportId(), written, fraction);
                        }
                    });
                    file.close();
                    ReportStore.ready(tx, request.reportId(), rows, file.size(), clock.instant());
                } catch (IOException e) {
                    throw new java.sql.SQLException("writing the report failed", e);
                }
                return null;
            });
            LOG.info("report {} of {} is ready", request.reportId(), request.orgSlug());
        } catch (RuntimeException e) {
            if (closing) {
                // Stopped with the server: the report stays running, and is taken up again when its lease runs out.
                return;
            }
            LOG.warn("report {} failed", request.reportId(), e);
            store.failed(request.reportId(), "the report could not be generated (the server log has the cause under report id "
                    + request.reportId() + ")", clock.instant());
            return;
        }
        mailLink(request);
    }

    /** Tells the requester, if the organisation has a mail channel and this server a mail server. */
    private void mailLink(ReportRequest request) {
        boolean hasMailChannel = database.one("SELECT 1 FROM notification_channels WHERE org_slug = ? AND type = 'email'"
                + " LIMIT 1", row -> 1, request.orgSlug()).isPresent();
        if (!hasMailChannel || !mailer.configured()) {
            return;
        }
        String link = links.issue(request.orgSlug(), request.reportId());
        try {
            mailer.send(new InternetAddress[] {new InternetAddress(store.requesterEmail(request.reportId()), true)},
                    "[Plantline] Your " + request.type() + " report is ready",
                    "Your " + request.type() + " report of " + request.from() + " to " + request.to() + " (UTC) is ready.\n\n"
                            + "Download it (the link works without a login until it expires): " + link + "\n",
                    Map.of("Plantline-Report", request.reportId().toString()));
            store.mailed(request.reportId(), Optional.empty(), clock.instant());
        } catch (Mailer.MailFailure | AddressException e) {
            LOG.info("mailing report {} failed: {}", request.reportId(), e.getMessage());
            store.mailed(request.reportId(), Optional.of(clip(e.getMessage())), clock.instant());
        }
    }

    private static String clip(String text) {
        return text.length() > MAX_ERROR ? text.substring(0, MAX_ERROR - 3) + "..." : text;
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        polling.shutdown();
        polling.awaitTermination(10, TimeUnit.SECONDS);
        generating.shutdownNow();
        generating.awaitTermination(10, TimeUnit.SECONDS);
    }
}
