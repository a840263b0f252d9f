package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The KPI answers around the minutes' retention (default 90 days): a machine's history of 120 days ago is answered
 * from the hours and days that outlive its minutes, and asked by the minute it is refused with 422
 * {@code past_retention} saying from when minutes are kept, never answered with an empty series.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class KpiRetentionIT {

    private static final String ORG = TestApi.uniqueSlug("retention-org");
    private static TestApi server;
    private static TestApi.Org org;
    private static Instant oldDay;
    private static Instant lastHour;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) throws Exception {
        server = TestApi.start(database, kafka, "--minutes-retention-days=90");
        org = server.organisation(ORG);
        server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "m1"));
        oldDay = server.clock.instant().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(120));
        lastHour = server.clock.instant().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
        for (Instant minute : new Instant[] {oldDay.plus(Duration.ofHours(10)), oldDay.plus(Duration.ofMinutes(601)), lastHour}) {
            database.execute("CALL upsert_telemetry_minute('" + ORG + "', 'm1', 'temperature', '" + minute + "', 2, 1, 3, 2, 1);"
                    + " CALL upsert_oee_minute('" + ORG + "', 'm1', '" + minute + "', 60000, 30000, 10, 9, 3000, 30000,"
                    + " 27000, 0.5, 1, 0.9, 0.45, false)");
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void minutesPastTheirRetentionAreRefusedSayingFromWhenTheyAreKept() {
        Instant keptFrom = server.clock.instant().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofDays(90));
        for (String query : new String[] {
                "/telemetry?deviceId=m1&metric=temperature&resolution=1m&" + range(oldDay.plus(Duration.ofHours(10)), Duration.ofHours(1)),
                "/analytics/oee?deviceId=m1&granularity=1m&" + range(oldDay.plus(Duration.ofHours(10)), Duration.ofHours(1)),
                // Losses and shifts are summed from minutes at any granularity.
                "/analytics/oee?deviceId=m1&granularity=shift&" + range(oldDay, Duration.ofDays(1)),
                "/analytics/losses?deviceId=m1&" + range(oldDay, Duration.ofDays(1)),
                "/analytics/losses?deviceId=m1&granularity=shift&" + range(oldDay, Duration.ofDays(1))}) {
            TestApi.Response answer = server.call("GET", query, org.viewerToken(), null);

            assertThat(answer.status()).as(query).isEqualTo(422);
            JsonNode error = answer.body().get("error");
            assertThat(error.get("code").asText()).isEqualTo("past_retention");
            assertThat(error.get("message").asText()).contains("1m buckets before " + keptFrom + " are no longer kept");
            assertThat(error.get("details").get(0).asText()).endsWith("=1m is kept 90 days: from " + keptFrom);
        }
    }

    @Test
    void aReportOfMinutesPastTheirRetentionIsRefusedWhenAskedAndOneOfHoursIsQueued() {
        Map<String, Object> report = Map.of("type", "oee", "scope", "device", "deviceId", "m1",
                "from", oldDay.toString(), "to", oldDay.plus(Duration.ofDays(1)).toString(), "granularity", "1m");
        TestApi.Response refused = server.call("POST", "/reports", org.viewerToken(), report);
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.body().get("error").get("code").asText()).isEqualTo("past_retention");

        Map<String, Object> hourly = new HashMap<>(report);
        hourly.put("granularity", "1h");
        assertThat(server.call("POST", "/reports", org.viewerToken(), hourly).status()).isEqualTo(202);
    }

    @Test
    void theSameHistoryIsAnsweredFromTheHoursAndDays() {
        JsonNode hours = server.call("GET", "/telemetry?deviceId=m1&metric=temperature&resolution=1h&"
                + range(oldDay.plus(Duration.ofHours(10)), Duration.ofHours(1)), org.viewerToken(), null).data();
        assertThat(hours.get("series")).hasSize(1);
        assertThat(hours.get("series").get(0).get("count").asLong()).isEqualTo(4);
        JsonNode days = server.call("GET", "/telemetry?deviceId=m1&metric=temperature&resolution=1d&"
                + range(oldDay, Duration.ofDays(1)), org.viewerToken(), null).data();
        assertThat(days.get("series")).hasSize(1);
        assertThat(days.get("series").get(0).get("count").asLong()).isEqualTo(4);

        JsonNode oee = server.call("GET", "/analytics/oee?deviceId=m1&granularity=1h&"
                + range(oldDay.plus(Duration.ofHours(10)), Duration.ofHours(1)), org.viewerToken(), null).data();
        assertThat(oee.get("series")).hasSize(1);
        assertThat(oee.get("total").get("runMs").asLong()).isEqualTo(60_000);
    }

    @Test
    void minutesWithinTheirRetentionAreAnswered() {
        TestApi.Response answer = server.call("GET", "/telemetry?deviceId=m1&metric=temperature&resolution=1m&"
                + range(lastHour, Duration.ofHours(1)), org.viewerToken(), null);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.data().get("series")).hasSize(1);
    }

    private static String range(Instant from, Duration length) {
        return "from=" + from + "&to=" + from.plus(length);
    }
}
