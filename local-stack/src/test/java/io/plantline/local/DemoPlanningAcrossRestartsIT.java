package io.plantline.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.TextStyle;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo organisation's calendar and catalogue are written at the first start only: an admin's own survive a restart,
 * and the OEE job goes on following the admin's calendar after it, not every minute scheduled.
 */
class DemoPlanningAcrossRestartsIT {

    private static final String PASSWORD = "a long local password";

    @TempDir
    Path dataDir;

    @Test
    void anAdminsCalendarAndCatalogueOutliveARestart() throws Exception {
        LocalStackOptions options = FreePortOptions.of(dataDir, "--machines=1", "--groups=1", "--interval-ms=1000",
                "--admin-password=" + PASSWORD);
        // One shift, three days from today, for an hour: nothing is scheduled while the test runs.
        String day = LocalDate.now(ZoneId.systemDefault()).plusDays(3).getDayOfWeek()
                .getDisplayName(TextStyle.SHORT, Locale.ROOT).toUpperCase(Locale.ROOT);
        Map<String, Object> calendar = Map.of("shifts", List.of(Map.of("name", "Audit", "days", List.of(day),
                "start", "00:00", "end", "01:00")));
        try (LocalStack stack = new LocalStack(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            stack.start(options);
            LocalApi api = new LocalApi(stack, PASSWORD);
            api.call("PUT", "/calendar", calendar);
            api.call("PUT", "/stop-reasons", Map.of("minorStopSeconds", 60, "reasons",
                    List.of(Map.of("code", "jam", "name", "Jammed", "category", "other"))));
            assertMinutesFromNowOnAreUnscheduled(api);
        }

        try (LocalStack stack = new LocalStack(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            stack.start(options);
            LocalApi api = new LocalApi(stack, PASSWORD);
            assertThat(api.call("GET", "/calendar", null).path("data").path("calendar").path("shifts").get(0)
                    .path("name").asText()).isEqualTo("Audit");
            assertThat(api.call("GET", "/stop-reasons", null).path("data").toString())
                    .isEqualTo("{\"minorStopSeconds\":60,\"reasons\":[{\"code\":\"jam\",\"name\":\"Jammed\",\"category\":\"other\"}]}");
            assertMinutesFromNowOnAreUnscheduled(api);
        }
    }

    /** The simulated machine's next two minutes are written, and unscheduled. */
    private static void assertMinutesFromNowOnAreUnscheduled(LocalApi api) throws Exception {
        Instant next = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        String minutes = "SELECT count(*) FROM oee_1m WHERE device_id = 'machine-01' AND bucket_start >= '" + next + "'";
        Awaitility.await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                .until(() -> ((Number) api.query(minutes)).longValue() >= 2);
        assertThat(((Number) api.query(minutes + " AND scheduled")).longValue()).isZero();
    }
}
