package io.plantline.local;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/** Options for a local stack in a test: every server on a free port, data in {@code dataDir}, the rest as given. */
final class FreePortOptions {

    private FreePortOptions() {
    }

    /** @param settings further {@code --name=value} settings: the plant's size, an admin password, timeouts */
    static LocalStackOptions of(Path dataDir, String... settings) {
        return LocalStackOptions.parse(Stream.concat(Stream.of("--mqtt-port=0", "--kafka-port=0", "--postgres-port=0",
                "--flink-ui-port=0", "--bridge-metrics-port=0", "--api-port=0", "--smtp-port=0", "--data-dir=" + dataDir),
                Stream.of(settings)).toArray(String[]::new), Map.of());
    }
}
