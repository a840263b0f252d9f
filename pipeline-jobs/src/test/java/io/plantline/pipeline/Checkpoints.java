package io.plantline.pipeline;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;

/** Checkpoints on local disk for restart tests: where a job keeps them, and the one it leaves when cancelled. */
final class Checkpoints {

    private Checkpoints() {
    }

    /** Job configuration that checkpoints into {@code directory} and, if given, resumes from {@code restoreFrom}. */
    static void configure(Configuration config, Optional<Path> directory, Optional<Path> restoreFrom) {
        directory.ifPresent(dir -> config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.toUri().toString()));
        restoreFrom.ifPresent(path -> config.set(StateRecoveryOptions.SAVEPOINT_PATH, path.toUri().toString()));
    }

    /**
     * Waits for {@code job} to complete a checkpoint under {@code directory}, cancels it mid-stream and returns the
     * checkpoint it retained. The newest one is chosen only once the job has ended: cancelling merely asks the job to
     * stop, and one still running completes further checkpoints and deletes the older ones.
     */
    static Path cancelAndTakeLatest(JobClient job, Path directory) throws Exception {
        Path ofThisJob = directory.resolve(job.getJobID().toHexString());
        await().atMost(Duration.ofSeconds(30)).until(() -> latest(ofThisJob).isPresent());
        job.cancel().get();
        await().atMost(Duration.ofSeconds(30)).until(() -> job.getJobStatus().get().isGloballyTerminalState());
        return latest(ofThisJob).orElseThrow();
    }

    private static Optional<Path> latest(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.walk(directory, 2)) {
            return files.filter(path -> path.getFileName().toString().equals("_metadata"))
                    .map(Path::getParent)
                    .max(Comparator.comparingLong(path -> Long.parseLong(path.getFileName().toString().substring(4))));
        }
    }
}
