package io.plantline.api.partitions;

import io.plantline.api.ApiOptions.KpiRetention;
import io.plantline.api.db.Database;
import io.plantline.concurrent.DaemonThreads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the time-partitioned KPI tables (migration V36, {@code partitioned_tables}) ready and bounded, every hour and
 * once at start: makes each table's partitions from a day ago to {@link KpiRetention#partitionsAhead()} ahead, so the
 * jobs always write into a partition of its own (rows for a day without one wait in the default partition until it
 * is made), and drops whole partitions that end before the table's retention horizon, so old rows go without a
 * DELETE, dead rows or vacuum. Each table is done in its own short transaction that waits at most
 * {@link #LOCK_TIMEOUT} for its lock: attaching or dropping a partition needs a moment's lock on the table, and
 * waiting behind a long analyst query would hold up every writer queued behind it; the next run tries again.
 */
public final class PartitionMaintenance implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionMaintenance.class);
    static final Duration LOCK_TIMEOUT = Duration.ofSeconds(2);
    /** Minutes arrive late by up to the jobs' allowed lateness, far less than this. */
    private static final Duration BEHIND = Duration.ofDays(1);
    /** A round that failed is tried again this soon, not only at the next hour. */
    static final Duration RETRY_AFTER = Duration.ofMinutes(5);

    private final Database database;
    private final KpiRetention retention;
    private final Clock clock;
    private final ScheduledExecutorService chores =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("partition-maintenance"));
    /** The retry after a failed round; read and set only on the chores' one thread. */
    private ScheduledFuture<?> retry;

    public PartitionMaintenance(Database database, KpiRetention retention, Clock clock) {
        this.database = database;
        this.retention = retention;
        this.clock = clock;
    }

    /** Starts the hourly maintenance, the first run at once. */
    public void start() {
        chores.scheduleWithFixedDelay(this::runLogged, 0, 1, TimeUnit.HOURS);
    }

    /**
     * One round over every partitioned table; returns the partitions dropped. A table that fails (its lock not had in
     * time) holds up no other: the round goes on and then throws, naming the tables that failed.
     */
    public List<String> run() {
        Instant now = clock.instant();
        List<Table> tables = database.list("SELECT table_name, retention FROM partitioned_tables ORDER BY table_name",
                row -> new Table(row.getString("table_name"), row.getString("retention")));
        List<String> dropped = new ArrayList<>();
        Map<String, RuntimeException> failed = new LinkedHashMap<>();
        for (Table table : tables) {
            try {
                dropped.addAll(maintain(table, now));
            } catch (RuntimeException e) {
                failed.put(table.name(), e);
            }
        }
        if (!failed.isEmpty()) {
            IllegalStateException failure = new IllegalStateException("partition maintenance failed for "
                    + failed.keySet() + " (the other tables were done; dropped " + dropped + ")");
            failed.values().forEach(failure::addSuppressed);
            throw failure;
        }
        return dropped;
    }

    private List<String> maintain(Table table, Instant now) {
        Optional<Instant> horizon = retention.of(table.retention()).map(now::minus);
        return database.transaction(tx -> {
            tx.update("SET LOCAL lock_timeout = " + LOCK_TIMEOUT.toMillis());
            tx.one("SELECT create_partitions(?, ?, ?)", row -> row.getInt(1), table.name(),
                    now.minus(BEHIND), now.plus(retention.partitionsAhead()));
            List<String> dropped = horizon.isEmpty() ? List.<String>of() : tx.list(
                    "SELECT drop_partitions_before(?, ?)", row -> row.getString(1), table.name(), horizon.get());
            if (!dropped.isEmpty()) {
                LOG.info("dropped {} (older than {} of {} retention)", dropped, horizon.get(), table.retention());
            }
            return dropped;
        });
    }

    private void runLogged() {
        try {
            run();
        } catch (RuntimeException e) {
            LOG.warn("{}; trying again in {}", e.getMessage(), RETRY_AFTER, e);
            // One retry pending at a time: a failure that lasts for hours must not start a chain every hour.
            if (retry == null || retry.isDone()) {
                retry = chores.schedule(this::runLogged, RETRY_AFTER.toMinutes(), TimeUnit.MINUTES);
            }
        }
    }

    @Override
    public void close() {
        chores.shutdownNow();
    }

    private record Table(String name, String retention) {
    }
}
