package io.plantline.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, item 1, end to end: a device created through the API, then given an ideal cycle time effective an hour
 * before, has that value in the API and in the OEE job's minutes; a later write effective earlier still replaces
 * both, in both.
 */
class IdealCycleTimeThroughApiAndJobIT {

    private static final String PASSWORD = "a long local password";

    @TempDir
    Path dataDir;

    @Test
    void theApiAndTheOeeJobApplyTheSameLatestWrite() throws Exception {
        LocalStackOptions options = FreePortOptions.of(dataDir,
                "--machines=2", "--groups=1", "--interval-ms=500", "--admin-password=" + PASSWORD);
        try (LocalStack stack = new LocalStack(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            stack.start(options);
            LocalApi api = new LocalApi(stack, PASSWORD);
            // The demo's shifts leave the evening and night unscheduled, where a minute has no performance: without a
            // calendar every minute is scheduled, whatever the time this test runs at.
            api.call("DELETE", "/calendar", null);
            String writeKey = api.call("POST", "/devices", Map.of("deviceId", "press-x")).path("data").path("writeKey").asText();
            Instant now = Instant.now();
            api.call("PUT", "/devices/press-x/settings", Map.of("idealCycleSeconds", 2,
                    "effectiveFrom", now.minus(Duration.ofHours(1)).toString()));
            assertThat(api.call("GET", "/devices/press-x", null).path("data").path("idealCycleSeconds").asDouble()).isEqualTo(2.0);

            // The machine runs from the next minute on and makes 10 parts, 9 good, in it.
            Instant minute = now.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
            Awaitility.await().atMost(Duration.ofSeconds(70)).until(() -> Instant.now().isAfter(minute.plusSeconds(1)));
            api.ingest("press-x", writeKey, "state", Map.of("ts", minute.toString(), "state", "RUNNING"));
            api.ingest("press-x", writeKey, "count", Map.of("ts", minute.plusSeconds(1).toString(), "total", 10, "good", 9));

            String row = "SELECT %s FROM oee_1m WHERE device_id = 'press-x' AND bucket_start = '" + minute + "'";
            Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> api.query(row.formatted("performance")) != null);
            assertThat(api.query(row.formatted("ideal_cycle_ms"))).isEqualTo(2_000.0);

            // Written effective two hours ago: 3 s replaces 2 s for that minute too, in the API and in the job.
            api.call("PUT", "/devices/press-x/settings", Map.of("idealCycleSeconds", 3,
                    "effectiveFrom", now.minus(Duration.ofHours(2)).toString()));
            assertThat(api.call("GET", "/devices/press-x", null).path("data").path("idealCycleSeconds").asDouble()).isEqualTo(3.0);
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> Double.valueOf(3_000.0).equals(api.query(row.formatted("ideal_cycle_ms"))));
            assertThat((Double) api.query(row.formatted("ideal_ms"))).isEqualTo(30_000.0);
        }
    }
}
