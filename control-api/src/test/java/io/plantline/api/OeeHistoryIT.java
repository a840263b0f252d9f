package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
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
        storeRunningMinutes(org, "m1", hourAgo);

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

    @Test
    void aRewriteThatKeepsFailingBacksOffAndHoldsUpNoOther() throws SQLException {
        TestApi.Org org = server.organisation(TestApi.uniqueSlug("refused"));
        Instant hourAgo = server.clock.instant().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
        for (String device : List.of("refused", "m2")) {
            server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", device));
            storeRunningMinutes(org, device, hourAgo);
        }
        // The database refuses every write of the first machine's minutes, so each attempt at its rewrite fails.
        String trigger = "refuse_" + org.slug().replace('-', '_');
        server.database.execute(("CREATE FUNCTION %1$s() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " RAISE EXCEPTION 'refused by the test'; END $$; CREATE TRIGGER %1$s BEFORE INSERT OR UPDATE ON oee_1m"
                + " FOR EACH ROW WHEN (NEW.org_slug = '%2$s' AND NEW.device_id = 'refused') EXECUTE FUNCTION %1$s()")
                .formatted(trigger, org.slug()));
        try {
            Map<String, Object> backdated = Map.of("idealCycleSeconds", 2, "effectiveFrom", hourAgo.minus(Duration.ofHours(1)).toString());
            assertThat(server.call("PUT", "/devices/refused/settings", org.adminToken(), backdated).status()).isEqualTo(200);
            server.clock.advance(Duration.ofSeconds(1));   // so the refused rewrite is the older request
            assertThat(server.call("PUT", "/devices/m2/settings", org.adminToken(), backdated).status()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(minutes(org, "m2"))
                    .extracting(row -> row.get("ideal_cycle_ms")).containsOnly(2_000.0));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Map<String, JsonNode> rewrites = rewrites(org);
                assertThat(rewrites.get("m2").get("status").asText()).isEqualTo("done");
                JsonNode refused = rewrites.get("refused");
                assertThat(refused.get("status").asText()).isEqualTo("failing");
                assertThat(refused.get("doneAt").isNull()).isTrue();
                // The clock stands still, so the back-off has not let it be tried a second time.
                assertThat(refused.get("attempts").asInt()).isEqualTo(1);
                assertThat(Instant.parse(refused.get("nextAttemptAt").asText())).isAfter(server.clock.instant());
                assertThat(refused.get("failure").asText()).contains("could not be rewritten").doesNotContain("refused by");
            });
            assertThat(minutes(org, "refused")).extracting(row -> row.get("ideal_cycle_ms")).containsOnlyNulls();
        } finally {
            server.database.execute("DROP TRIGGER %1$s ON oee_1m; DROP FUNCTION %1$s()".formatted(trigger));
        }

        // It is never given up: once the cause is gone, the next attempt completes it.
        server.clock.advance(Duration.ofMinutes(1));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(minutes(org, "refused"))
                .extracting(row -> row.get("ideal_cycle_ms")).containsOnly(2_000.0));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode refused = rewrites(org).get("refused");
            assertThat(refused.get("status").asText()).isEqualTo("done");
            assertThat(refused.get("attempts").asInt()).isZero();
            assertThat(refused.get("failure").isNull()).isTrue();
            assertThat(refused.get("nextAttemptAt").isNull()).isTrue();
        });
    }

    /** Three minutes from {@code start}: running all minute, 20 parts of which 19 good, no ideal cycle time known. */
    private static void storeRunningMinutes(TestApi.Org org, String deviceId, Instant start) throws SQLException {
        for (int minute = 0; minute < 3; minute++) {
            server.database.execute(("CALL upsert_oee_minute('%s', '%s', '%s', 60000, 60000, 20, 19, NULL, NULL, NULL,"
                    + " 1.0, NULL, 0.95, NULL, false, 60000, 0, 0, 0, true, 0)")
                    .formatted(org.slug(), deviceId, start.plus(Duration.ofMinutes(minute))));
        }
    }

    /** The organisation's rewrites by device. */
    private static Map<String, JsonNode> rewrites(TestApi.Org org) {
        Map<String, JsonNode> byDevice = new HashMap<>();
        server.call("GET", "/analytics/oee/rewrites", org.viewerToken(), null).data()
                .forEach(rewrite -> byDevice.put(rewrite.get("deviceId").asText(), rewrite));
        return byDevice;
    }

    private static List<Map<String, Object>> minutes(TestApi.Org org, String deviceId) throws SQLException {
        return server.database.query("SELECT * FROM oee_1m WHERE org_slug = '" + org.slug() + "' AND device_id = '"
                + deviceId + "' ORDER BY bucket_start");
    }

    private static List<Map<String, Object>> minutes(TestApi.Org org) throws SQLException {
        return server.database.query("SELECT * FROM oee_1m WHERE org_slug = '" + org.slug() + "' ORDER BY bucket_start");
    }
}
