package io.plantline.bench;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.checkpoint.SubtaskStateStats;
import org.apache.flink.runtime.checkpoint.TaskStateStats;

/**
 * Every completed checkpoint of a job run, by id, read from the MiniCluster's checkpoint statistics as the run goes (the
 * statistics keep only the latest few, so a run is looked at every couple of seconds): each one's duration, state, the
 * in-flight data it persisted (non-zero only where it went unaligned) and, for the slowest, where its time went.
 */
final class CheckpointLog {

    /** One completed checkpoint; the delays are each the longest of any subtask. */
    record Checkpoint(long triggeredAtMs, long durationMs, long stateBytes, long persistedInFlightBytes,
                      boolean unaligned, long barrierDelayMs, long alignmentMs, long syncAsyncMs) {

        static Checkpoint of(CompletedCheckpointStats checkpoint) {
            long barrierDelay = 0;
            long alignment = 0;
            long syncAsync = 0;
            for (TaskStateStats task : checkpoint.getAllTaskStateStats()) {
                for (SubtaskStateStats subtask : task.getSubtaskStats()) {
                    if (subtask != null) {
                        barrierDelay = Math.max(barrierDelay, subtask.getCheckpointStartDelay());
                        alignment = Math.max(alignment, subtask.getAlignmentDuration());
                        syncAsync = Math.max(syncAsync,
                                subtask.getSyncCheckpointDuration() + subtask.getAsyncCheckpointDuration());
                    }
                }
            }
            return new Checkpoint(checkpoint.getTriggerTimestamp(), checkpoint.getEndToEndDuration(),
                    checkpoint.getStateSize(), checkpoint.getPersistedData(), checkpoint.isUnalignedCheckpoint(),
                    barrierDelay, alignment, syncAsync);
        }
    }

    private final Map<Long, Checkpoint> completed = new TreeMap<>();
    private long failed;

    void record(CheckpointStatsSnapshot stats) {
        for (AbstractCheckpointStats checkpoint : stats.getHistory().getCheckpoints()) {
            if (checkpoint instanceof CompletedCheckpointStats done) {
                completed.putIfAbsent(done.getCheckpointId(), Checkpoint.of(done));
            }
        }
        failed = stats.getCounts().getNumberOfFailedCheckpoints();
    }

    /** Those triggered before {@code wallClockMs}: while the backlog drained, when that is the last row's time. */
    List<Checkpoint> triggeredBefore(long wallClockMs) {
        return completed.values().stream().filter(checkpoint -> checkpoint.triggeredAtMs() < wallClockMs).toList();
    }

    List<Checkpoint> triggeredFrom(long wallClockMs) {
        return completed.values().stream().filter(checkpoint -> checkpoint.triggeredAtMs() >= wallClockMs).toList();
    }

    long failed() {
        return failed;
    }

    /** "n, median / max ms, k unaligned, largest in-flight data KB", or "none". */
    static String summary(Collection<Checkpoint> checkpoints) {
        if (checkpoints.isEmpty()) {
            return "none";
        }
        List<Double> durations = checkpoints.stream().map(checkpoint -> (double) checkpoint.durationMs()).toList();
        return String.format("%d: %,.0f / %,.0f ms, %d unaligned, in-flight ≤ %,d KB", checkpoints.size(),
                Stats.median(durations), Stats.max(durations),
                checkpoints.stream().filter(Checkpoint::unaligned).count(),
                checkpoints.stream().mapToLong(Checkpoint::persistedInFlightBytes).max().orElse(0) / 1024);
    }

    /** Where the slowest of {@code checkpoints} spent its time, or "none". */
    static String slowest(Collection<Checkpoint> checkpoints) {
        return checkpoints.stream().max((a, b) -> Long.compare(a.durationMs(), b.durationMs()))
                .map(checkpoint -> String.format("%,d ms: barrier %,d ms, alignment %,d ms, sync + async %,d ms",
                        checkpoint.durationMs(), checkpoint.barrierDelayMs(), checkpoint.alignmentMs(),
                        checkpoint.syncAsyncMs()))
                .orElse("none");
    }
}
