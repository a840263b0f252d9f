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

/** Checkpoints on local disk for restart tests: where a job keeps them, and the newest complete one. */
final class Checkpoints {

    private Checkpoints() {
    }

    /** Job configuration that checkpoints into {@code directory} and, if given, resumes from {@code restoreFrom}. */
    static void configure(Configuration config, Optional<Path> directory, Optional<Path> restoreFrom) {
        directory.ifPresent(dir -> config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.toUri().toString()));
        restoreFrom.ifPresent(path -> config.set(StateRecoveryOptions.SAVEPOINT_PATH, path.toUri().toString()));
    }

    /** Waits for a completed checkpoint under {@code directory} and returns the newest. */
    static Path awaitLatest(Path directory) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> latest(directory), Optional::isPresent).get();
    }

    private static Optional<Path> latest(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory, 3)) {
            return files.filter(path -> path.getFileName().toString().equals("_metadata"))
                    .map(Path::getParent)
                    .max(Comparator.comparingLong(path -> Long.parseLong(path.getFileName().toString().substring(4))));
        }
    }
}
