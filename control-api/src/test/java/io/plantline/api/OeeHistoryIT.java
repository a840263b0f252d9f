package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A backdated ideal cycle time or calendar changes the OEE minutes already stored an hour back, older than any job
 * still holds, with their hours; the rewrite's progress is in the API.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class OeeHistoryIT {

    private static TestApi server;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) {
        server = TestApi.start(database, kafka);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aBackdatedIdealCycleTimeAndCalendarRewriteTheMinutesStoredAnHourBack() throws SQLException {
        TestApi.Org org = server.organisation(TestApi.uniqueSlug("history"));
        server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "m1"));
        Instant hourAgo = server.clock.instant().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
        for (int minute = 0; minute < 3; minute++) {
            // Running all minute, 20 parts of which 19 good, no ideal cycle time known when it was written.
            server.database.execute(("CALL upsert_oee_minute('%s', 'm1', '%s', 60000, 60000, 20, 19, NULL, NULL, NULL,"
                    + " 1.0, NULL, 0.95, NULL, false, 60000, 0, 0, 0, true, 0)").formatted(org.slug(), hourAgo.plus(Duration.ofMinutes(minute))));
        }

        assertThat(server.call("PUT", "/devices/m1/settings", org.adminToken(), Map.of("idealCycleSeconds", 2,
                "effectiveFrom", hourAgo.minus(Duration.ofHours(1)).toString())).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(minutes(org)).extracting(
                row -> row.get("ideal_cycle_ms"), row -> row.get("ideal_ms"), row -> row.get("oee")).containsOnly(
                tuple(2_000.0, 40_000.0, 38_000.0 / 60_000)));
        assertThat(server.database.query("SELECT planned_ms, ideal_ms, oee FROM oee_1h WHERE org_slug = '" + org.slug() + "'"))
                .containsExactly(Map.of("planned_ms", 180_000L, "ideal_ms", 120_000.0, "oee", 114_000.0 / 180_000));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(server.call("GET", "/analytics/oee/rewrites",
                org.viewerToken(), null).data()).singleElement().satisfies(rewrite -> {
                    assertThat(rewrite.get("deviceId").asText()).isEqualTo("m1");
                    assertThat(rewrite.get("next").asText()).isEqualTo(rewrite.get("upTo").asText());
                    assertThat(rewrite.get("doneAt").isNull()).isFalse();
                }));

        // From two hours back, one shift that ends at the top of the hour an hour ago: the stored minutes are not scheduled.
        String hour = String.format("%02d:00", hourAgo.atZone(ZoneOffset.UTC).getHour());
        String hourBefore = String.format("%02d:00", hourAgo.minus(Duration.ofHours(1)).atZone(ZoneOffset.UTC).getHour());
        assertThat(server.call("PUT", "/calendar", org.adminToken(), Map.of("effectiveFrom", hourAgo.minus(Duration.ofHours(1)).toString(),
                "shifts", List.of(Map.of("name", "Short", "days", List.of("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"),
                        "start", hourBefore, "end", hour)))).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(minutes(org)).extracting(
                row -> row.get("scheduled"), row -> row.get("planned_ms"), row -> row.get("unscheduled_run_ms"))
                .containsOnly(tuple(false, 0L, 60_000L)));
        assertThat(server.database.query("SELECT planned_ms, run_ms FROM oee_1h WHERE org_slug = '" + org.slug() + "'"))
                .containsExactly(Map.of("planned_ms", 0L, "run_ms", 0L));
    }

    private static List<Map<String, Object>> minutes(TestApi.Org org) throws SQLException {
        return server.database.query("SELECT * FROM oee_1m WHERE org_slug = '" + org.slug() + "' ORDER BY bucket_start");
    }
}
