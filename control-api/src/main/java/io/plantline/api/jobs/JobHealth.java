package io.plantline.api.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether one of Plantline's jobs is processing, as a user needs to see it: its state, when it last completed a
 * checkpoint, when it last stored rows, and, when it is not processing, why in plain words. A job can be RUNNING and
 * still do nothing (its tasks restoring, or stuck): a job that completes no checkpoint for {@link #CHECKPOINT_OVERDUE}
 * counts as stopped. Shared by {@code GET /jobs} and local mode's status line.
 *
 * @param state            Flink's job state, or {@link #NOT_RUNNING} when the cluster has no such job
 * @param lastRowWrittenAt the newest batch the job stored in any of its tables ({@code table_writes})
 * @param restoredFrom     the checkpoint or savepoint the job last restored its state from, as Flink names it
 */
public record JobHealth(String name, String state, Optional<Instant> startedAt, Optional<Instant> lastCheckpointAt,
                        Optional<Instant> lastRowWrittenAt, Optional<String> restoredFrom) {

    public static final String NOT_RUNNING = "NOT_RUNNING";
    /** Jobs checkpoint every 10 s by default; this many missed in a row is not a slow checkpoint but a stop. */
    public static final Duration CHECKPOINT_OVERDUE = Duration.ofMinutes(2);

    /** A job the cluster does not run. */
    public static JobHealth notRunning(String name, Optional<Instant> lastRowWrittenAt) {
        return new JobHealth(name, NOT_RUNNING, Optional.empty(), Optional.empty(), lastRowWrittenAt, Optional.empty());
    }

    /** Why the job is not processing at {@code now}; empty while it is. */
    public Optional<String> problem(Instant now) {
        if (NOT_RUNNING.equals(state)) {
            return Optional.of(name + " is not running");
        }
        if (!"RUNNING".equals(state)) {
            return Optional.of(name + " is " + state);
        }
        Optional<Instant> since = lastCheckpointAt.or(() -> startedAt);
        if (since.isPresent() && Duration.between(since.get(), now).compareTo(CHECKPOINT_OVERDUE) > 0) {
            long seconds = Duration.between(since.get(), now).toSeconds();
            return Optional.of(lastCheckpointAt.isPresent()
                    ? name + " has completed no checkpoint for " + seconds + " s"
                    : name + " has completed no checkpoint in the " + seconds + " s since it started");
        }
        return Optional.empty();
    }

    /** Seconds from {@code at} to {@code now}, for display; empty when it never happened. */
    public static Optional<Long> secondsSince(Optional<Instant> at, Instant now) {
        return at.map(instant -> Math.max(0, Duration.between(instant, now).toSeconds()));
    }
}
