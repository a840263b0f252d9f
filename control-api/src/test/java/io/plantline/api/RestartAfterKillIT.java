package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 37, item 17: an API server killed with {@code kill -9} leaves its notifier a member of the consumer group
 * {@code plantline-notifier} until the group's coordinator gives up on it; the server started in its place waits for
 * its partitions at start. That wait must be short: local mode's control API took 33 s to come back after a kill.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class RestartAfterKillIT {

    /** A clean start of the API in these tests takes a few seconds; the notifier gives up waiting after 30. */
    private static final Duration QUICK_START = Duration.ofSeconds(20);

    @TempDir
    Path logs;

    @Test
    void anApiStartedAfterAnotherWasKilledStartsQuickly(TestDatabase database, TestKafka kafka) throws Exception {
        try (TestApi first = TestApi.start(database, kafka)) {
            // Migrations applied and topics made by an API that stops cleanly, so only the kill remains to wait for.
        }
        Path output = logs.resolve("killed-api.out");
        Process killed = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ApiMain.class.getName(), "--port=0",
                "--jdbc-url=" + database.jdbcUrl(), "--kafka-bootstrap=" + kafka.bootstrapServers(),
                "--jwt-secret=test-secret-of-at-least-thirty-two-bytes")
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            Awaitility.await().atMost(Duration.ofMinutes(2))
                    .until(() -> Files.readString(output).contains("control-api: listening on"));
        } finally {
            killed.destroyForcibly().waitFor();
        }

        long begin = System.nanoTime();
        try (TestApi restarted = TestApi.start(database, kafka)) {
            Duration took = Duration.ofNanos(System.nanoTime() - begin);
            System.out.println("API start after a kill -9 of the one before took " + took.toMillis() + " ms");
            assertThat(took).isLessThan(QUICK_START);
            assertThat(restarted.call("GET", "/health", null, null).status()).isEqualTo(200);
        }
    }
}
