package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * OEE, MTBF/MTTR and losses per shift instance ({@code granularity=shift}) and the shift report, against figures worked
 * out by hand below, in Europe/Berlin over the weekend summer time ends (Sunday 2026-10-25, 03:00 CEST becomes
 * 02:00 CET) with a holiday on the Monday.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class ShiftAnswersIT {

    /** Saturday 00:00 to Tuesday 00:00, Berlin time. */
    private static final String RANGE = "from=2026-10-23T22:00:00Z&to=2026-10-26T23:00:00Z";
    private static final List<String> WEEKDAYS = List.of("MON", "TUE", "WED", "THU", "FRI");
    private static final Map<String, Object> EARLY = shift("Early", List.of("MON", "TUE", "WED", "THU", "FRI", "SAT"),
            "06:00", "14:00", List.of(Map.of("start", "10:00", "end", "10:30")));
    private static final Map<String, Object> NIGHT = shift("Night", List.of("FRI", "SAT", "SUN"), "22:00", "06:00", List.of());
    private static TestApi server;
    private static TestApi.Org org;
    private static TestApi.Org withoutCalendar;

    /**
     * m1, ideal cycle 1 s. The shifts that started in the range: Early on Saturday the 24th, 04:00Z-12:00Z with its
     * break 08:00Z-08:30Z; Night on Saturday, 20:00Z-05:00Z (nine hours: the clock goes back); Night on Sunday,
     * 21:00Z-05:00Z. Friday's Night started before the range; Monday the 26th is a holiday, so its Early is not.
     * Minutes outside the shifts and in the break are written too (unscheduled, with parts), and count nowhere.
     * <ul>
     * <li>Early: 04:00 runs (50 parts, 50 good); 05:00 half down (a 30 s DOWN stop without a reason: a minor stop)
     * and half running (20, 18); 11:59 down (a jam from 11:59 to 12:03, ending after the shift). Planned 180 000,
     * run 90 000, ideal 70 000, good ideal 68 000; stop loss 90 000, speed loss 20 000, quality loss 2 000; two DOWN
     * stops began, one ended in the shift: MTBF 45 000, MTTR 30 000.
     * <li>Night of the 24th: 20:00 runs (60, 57), 00:30 and 01:30 (02:30 summer and winter time) run (60, 60 each),
     * 04:59 down (a jam of 60 s ending at the shift's end). Planned 240 000, run 180 000, ideal 180 000, good ideal
     * 177 000; stop loss 60 000, speed loss 0, quality loss 3 000; MTBF 180 000, MTTR 60 000.
     * <li>Night of the 25th: 21:00 runs 45 s (40, 40) and idles 15 s (material missing: a minor stop); 04:59 on the
     * 26th runs (60, 60). Planned 120 000, run 105 000, ideal 100 000, good ideal 100 000; stop loss 15 000, speed
     * loss 5 000; no DOWN stop.
     * </ul>
     */
    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) throws Exception {
        server = TestApi.start(database, kafka);
        org = server.organisation(TestApi.uniqueSlug("shift-answers"));
        assertThat(server.call("PATCH", "/organisation", org.adminToken(), Map.of("timeZone", "Europe/Berlin")).status())
                .isEqualTo(200);
        assertThat(server.call("PUT", "/stop-reasons", org.adminToken(), Map.of("minorStopSeconds", 60, "reasons", List.of(
                Map.of("code", "jam", "name", "Jam", "category", "breakdown"),
                Map.of("code", "no_material", "name", "Material missing", "category", "material")))).status())
                .isEqualTo(200);
        server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "m1"));
        server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "line", "name", "Line", "deviceIds", List.of("m1")));
        assertThat(server.call("PUT", "/calendar", org.adminToken(), Map.of("shifts", List.of(EARLY, NIGHT),
                "holidays", List.of("2026-10-26"), "effectiveFrom", "2026-10-01T00:00:00Z")).status()).isEqualTo(200);
        // The backdated calendar rewrites the stored minutes; written after it, they stay as written.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(server.call("GET", "/analytics/oee/rewrites",
                org.viewerToken(), null).data()).allSatisfy(rewrite -> assertThat(rewrite.get("status").asText()).isEqualTo("done")));
        try (PlantHistory plant = new PlantHistory(database, org.slug())) {
            plant.minute("m1", "2026-10-24T03:59:00Z").run(60_000).parts(60, 60, 1000.0).unscheduled().write();
            plant.minute("m1", "2026-10-24T04:00:00Z").run(60_000).parts(50, 50, 1000.0).write();
            plant.stop("m1", "DOWN", null, "2026-10-24T05:00:00Z", "2026-10-24T05:00:30Z");
            plant.minute("m1", "2026-10-24T05:00:00Z").down(30_000).run(30_000).parts(20, 18, 1000.0).write();
            plant.stopMinute("m1", "2026-10-24T05:00:00Z", "2026-10-24T05:00:00Z", 30_000);
            plant.minute("m1", "2026-10-24T08:00:00Z").run(60_000).parts(40, 40, 1000.0).unscheduled().write();
            plant.stop("m1", "DOWN", "jam", "2026-10-24T11:59:00Z", "2026-10-24T12:03:00Z");
            plant.minute("m1", "2026-10-24T11:59:00Z").down(60_000).parts(0, 0, 1000.0).write();
            plant.stopMinute("m1", "2026-10-24T11:59:00Z", "2026-10-24T11:59:00Z", 60_000);
            plant.minute("m1", "2026-10-24T12:00:00Z").down(60_000).parts(0, 0, 1000.0).unscheduled().write();
            plant.stopMinute("m1", "2026-10-24T12:00:00Z", "2026-10-24T11:59:00Z", 60_000);

            plant.minute("m1", "2026-10-24T19:59:00Z").run(60_000).parts(60, 60, 1000.0).unscheduled().write();
            plant.minute("m1", "2026-10-24T20:00:00Z").run(60_000).parts(60, 57, 1000.0).write();
            plant.minute("m1", "2026-10-25T00:30:00Z").run(60_000).parts(60, 60, 1000.0).write();
            plant.minute("m1", "2026-10-25T01:30:00Z").run(60_000).parts(60, 60, 1000.0).write();
            plant.stop("m1", "DOWN", "jam", "2026-10-25T04:59:00Z", "2026-10-25T05:00:00Z");
            plant.minute("m1", "2026-10-25T04:59:00Z").down(60_000).parts(0, 0, 1000.0).write();
            plant.stopMinute("m1", "2026-10-25T04:59:00Z", "2026-10-25T04:59:00Z", 60_000);
            plant.minute("m1", "2026-10-25T05:00:00Z").run(60_000).parts(10, 10, 1000.0).unscheduled().write();

            plant.stop("m1", "IDLE", "no_material", "2026-10-25T21:00:45Z", "2026-10-25T21:01:00Z");
            plant.minute("m1", "2026-10-25T21:00:00Z").run(45_000).idle(15_000).parts(40, 40, 1000.0).write();
            plant.stopMinute("m1", "2026-10-25T21:00:00Z", "2026-10-25T21:00:45Z", 15_000);
            plant.minute("m1", "2026-10-26T04:59:00Z").run(60_000).parts(60, 60, 1000.0).write();
            plant.minute("m1", "2026-10-26T05:00:00Z").run(60_000).parts(30, 30, 1000.0).unscheduled().write();
        }
        withoutCalendar = server.organisation(TestApi.uniqueSlug("no-calendar"));
        server.call("POST", "/devices", withoutCalendar.operatorToken(), Map.of("deviceId", "m1"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void oeePerShiftNamesAndDatesEachShiftInTheOrganisationsZoneAndSumsItsScheduledMinutes() {
        TestApi.Response answer = server.call("GET", "/analytics/oee?deviceId=m1&granularity=shift&" + RANGE,
                org.viewerToken(), null);

        assertThat(answer.status()).isEqualTo(200);
        JsonNode series = answer.data().get("series");
        assertThat(series).extracting(row -> row.get("shift").asText() + " " + row.get("date").asText() + " "
                + row.get("start").asText() + " " + row.get("end").asText()).containsExactly(
                "Early 2026-10-24 2026-10-24T04:00:00Z 2026-10-24T12:00:00Z",
                "Night 2026-10-24 2026-10-24T20:00:00Z 2026-10-25T05:00:00Z",
                "Night 2026-10-25 2026-10-25T21:00:00Z 2026-10-26T05:00:00Z");
        assertThat(series).extracting(row -> row.get("bucketStart").asText())
                .containsExactly("2026-10-24T04:00:00Z", "2026-10-24T20:00:00Z", "2026-10-25T21:00:00Z");
        assertFigures(series.get(0), 180_000, 90_000, 70, 68, 0.5, 70_000 / 90_000.0, 68 / 70.0, 68_000 / 180_000.0);
        assertReliability(series.get(0).get("reliability"), 2, 1, 45_000.0, 30_000.0);
        assertFigures(series.get(1), 240_000, 180_000, 180, 177, 0.75, 1.0, 177 / 180.0, 177_000 / 240_000.0);
        assertReliability(series.get(1).get("reliability"), 1, 1, 180_000.0, 60_000.0);
        assertFigures(series.get(2), 120_000, 105_000, 100, 100, 0.875, 100_000 / 105_000.0, 1.0, 100_000 / 120_000.0);
        assertReliability(series.get(2).get("reliability"), 0, 0, null, null);
        assertFigures(answer.data().get("total"), 540_000, 375_000, 350, 345, 375 / 540.0, 350 / 375.0, 345 / 350.0,
                345 / 540.0);
        assertReliability(answer.data().get("reliability"), 3, 2, 125_000.0, 45_000.0);
        assertThat(answer.data().get("granularity").asText()).isEqualTo("shift");

        JsonNode line = server.call("GET", "/analytics/oee?groupId=line&granularity=shift&" + RANGE, org.viewerToken(),
                null).data();
        assertThat(line.get("series")).as("a line without a calendar of its own follows the organisation's")
                .isEqualTo(series);
    }

    @Test
    void lossesPerShiftAddUpToEachShiftsPlannedTimeNotMadeGood() {
        TestApi.Response answer = server.call("GET", "/analytics/losses?deviceId=m1&granularity=shift&" + RANGE,
                org.viewerToken(), null);

        assertThat(answer.status()).isEqualTo(200);
        JsonNode series = answer.data().get("series");
        assertThat(series).extracting(row -> row.get("shift").asText() + " " + row.get("date").asText())
                .containsExactly("Early 2026-10-24", "Night 2026-10-24", "Night 2026-10-25");
        long[][] expected = {{180_000, 68_000, 90_000, 20_000, 2_000}, {240_000, 177_000, 60_000, 0, 3_000},
                {120_000, 100_000, 15_000, 5_000, 0}};
        for (int i = 0; i < expected.length; i++) {
            JsonNode shift = series.get(i);
            assertThat(shift.get("plannedMs").asLong()).isEqualTo(expected[i][0]);
            assertThat(shift.get("goodIdealMs").asDouble()).isEqualTo(expected[i][1]);
            assertThat(shift.get("stopLossTotalMs").asLong()).isEqualTo(expected[i][2]);
            assertThat(shift.get("speedLossMs").asDouble()).isEqualTo(expected[i][3]);
            assertThat(shift.get("qualityLossMs").asDouble()).isEqualTo(expected[i][4]);
            assertThat(shift.get("plannedMs").asDouble() - shift.get("goodIdealMs").asDouble()).as("the identity, shift " + i)
                    .isEqualTo(shift.get("stopLossTotalMs").asDouble() + shift.get("speedLossMs").asDouble()
                            + shift.get("qualityLossMs").asDouble());
        }
        assertThat(series.get(0).get("stopLossMs").get("breakdown").asLong()).isEqualTo(60_000);
        assertThat(series.get(0).get("stopLossMs").get("minor_stop").asLong()).isEqualTo(30_000);
        assertThat(series.get(0).get("pareto")).extracting(reason -> reason.get("reasonCode").asText() + " "
                + reason.get("lostMs").asLong() + " " + reason.get("stops").asLong()).containsExactly("jam 60000 1", "null 30000 1");
        assertThat(series.get(2).get("stopLossMs").get("minor_stop").asLong()).isEqualTo(15_000);
        JsonNode total = answer.data().get("total");
        assertThat(total.get("plannedMs").asLong()).isEqualTo(540_000);
        assertThat(total.get("stopLossTotalMs").asLong()).isEqualTo(165_000);
        assertThat(total.get("pareto")).extracting(reason -> reason.get("reasonCode").asText() + " "
                + reason.get("lostMs").asLong() + " " + reason.get("stops").asLong())
                .containsExactly("jam 120000 2", "null 30000 1", "no_material 15000 1");
    }

    @Test
    void withoutACalendarAnswersPerShiftAreABusinessRuleRefusal() {
        for (String path : List.of("/analytics/oee?granularity=shift&deviceId=m1&", "/analytics/losses?granularity=shift&")) {
            TestApi.Response refused = server.call("GET", path + RANGE, withoutCalendar.viewerToken(), null);
            assertThat(refused.status()).as(path).isEqualTo(422);
            assertThat(refused.errorCode()).isEqualTo("no_shift_calendar");
        }
        TestApi.Response report = server.call("POST", "/reports", withoutCalendar.viewerToken(), Map.of("type", "shifts",
                "scope", "organisation", "from", "2026-10-23T22:00:00Z", "to", "2026-10-26T23:00:00Z"));
        assertThat(report.status()).isEqualTo(422);
        assertThat(report.errorCode()).isEqualTo("no_shift_calendar");
        TestApi.Response perDevice = server.call("GET", "/analytics/oee?granularity=shift&per=device&" + RANGE,
                org.viewerToken(), null);
        assertThat(perDevice.status()).isEqualTo(400);
    }

    /**
     * In a UTC organisation whose calendar has only weekday shifts, a line with a Saturday shift of its own: its
     * machine's rows follow the line's calendar, another machine's the organisation's, which starts no shift that
     * weekend (an empty series, not a refusal: a calendar is in force).
     */
    @Test
    void aLinesOwnCalendarGivesItsMachinesTheirShifts() throws Exception {
        TestApi.Org plant = server.organisation(TestApi.uniqueSlug("line-shifts"));
        for (String device : List.of("d1", "d2")) {
            server.call("POST", "/devices", plant.operatorToken(), Map.of("deviceId", device));
        }
        server.call("POST", "/groups", plant.operatorToken(), Map.of("groupId", "cell", "name", "Cell", "deviceIds", List.of("d1")));
        assertThat(server.call("PUT", "/calendar", plant.adminToken(), Map.of("shifts", List.of(shift("Early", WEEKDAYS,
                "06:00", "14:00", List.of())), "effectiveFrom", "2026-10-01T00:00:00Z")).status()).isEqualTo(200);
        assertThat(server.call("PUT", "/groups/cell/calendar", plant.adminToken(), Map.of("shifts", List.of(shift("Day",
                List.of("SAT"), "08:00", "12:00", List.of())), "effectiveFrom", "2026-10-01T00:00:00Z")).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(server.call("GET", "/analytics/oee/rewrites",
                plant.viewerToken(), null).data()).allSatisfy(rewrite -> assertThat(rewrite.get("status").asText()).isEqualTo("done")));
        try (PlantHistory history = new PlantHistory(server.database, plant.slug())) {
            history.minute("d1", "2026-10-24T08:00:00Z").run(60_000).parts(30, 30, 1000.0).write();
        }
        String weekend = "granularity=shift&from=2026-10-24T00:00:00Z&to=2026-10-26T00:00:00Z";

        for (String scope : List.of("groupId=cell", "deviceId=d1")) {
            JsonNode rows = server.call("GET", "/analytics/oee?" + scope + "&" + weekend, plant.viewerToken(), null).data()
                    .get("series");
            assertThat(rows).as(scope).extracting(row -> row.get("shift").asText() + " " + row.get("start").asText() + " "
                    + row.get("end").asText() + " " + row.get("plannedMs").asLong() + " " + row.get("oee").asDouble())
                    .containsExactly("Day 2026-10-24T08:00:00Z 2026-10-24T12:00:00Z 60000 0.5");
        }
        TestApi.Response organisation = server.call("GET", "/analytics/losses?deviceId=d2&" + weekend, plant.viewerToken(), null);
        assertThat(organisation.status()).isEqualTo(200);
        assertThat(organisation.data().get("series")).isEmpty();
        assertThat(organisation.data().get("total").get("plannedMs").asLong()).isZero();
    }

    @Test
    void theShiftReportHasALinePerShiftWithItsOeeAndTopLosses() {
        TestApi.Response requested = server.call("POST", "/reports", org.viewerToken(), Map.of("type", "shifts",
                "scope", "device", "deviceId", "m1", "from", "2026-10-23T22:00:00Z", "to", "2026-10-26T23:00:00Z"));
        assertThat(requested.status()).isEqualTo(202);
        assertThat(requested.data().get("granularity").asText()).isEqualTo("shift");
        String reportId = requested.data().get("reportId").asText();

        JsonNode ready = server.awaitReport(reportId, org::viewerToken, Duration.ofSeconds(60));
        byte[] file = server.binary("GET", "/reports/" + reportId + "/download", org.viewerToken(), null, Map.of()).body();

        assertThat(ready.get("rows").asLong()).isEqualTo(3);
        assertThat(new String(file, StandardCharsets.UTF_8)).isEqualTo(String.join("\r\n",
                "shift,date,start,end,time_zone,planned_ms,run_ms,total_count,good_count,availability,performance,quality,oee,"
                        + "stop_loss_ms,speed_loss_ms,quality_loss_ms,reason_1,reason_1_lost_ms,reason_2,reason_2_lost_ms,"
                        + "reason_3,reason_3_lost_ms",
                "Early,2026-10-24,2026-10-24T04:00:00Z,2026-10-24T12:00:00Z,Europe/Berlin,180000,90000,70,68,0.5,"
                        + 70_000 / 90_000.0 + "," + 68 / 70.0 + "," + 68_000 / 180_000.0
                        + ",90000,20000.0,2000.0,jam,60000,unclassified,30000,,",
                "Night,2026-10-24,2026-10-24T20:00:00Z,2026-10-25T05:00:00Z,Europe/Berlin,240000,180000,180,177,0.75,1.0,"
                        + 177 / 180.0 + "," + 177_000 / 240_000.0 + ",60000,0.0,3000.0,jam,60000,,,,",
                "Night,2026-10-25,2026-10-25T21:00:00Z,2026-10-26T05:00:00Z,Europe/Berlin,120000,105000,100,100,0.875,"
                        + 100_000 / 105_000.0 + ",1.0," + 100_000 / 120_000.0 + ",15000,5000.0,0.0,no_material,15000,,,,",
                ""));
    }

    private static Map<String, Object> shift(String name, List<String> days, String start, String end,
                                             List<Map<String, String>> breaks) {
        return Map.of("name", name, "days", days, "start", start, "end", end, "breaks", breaks);
    }

    private static void assertFigures(JsonNode row, long plannedMs, long runMs, long total, long good, double availability,
                                      double performance, double quality, double oee) {
        assertThat(row.get("plannedMs").asLong()).isEqualTo(plannedMs);
        assertThat(row.get("runMs").asLong()).isEqualTo(runMs);
        assertThat(row.get("totalCount").asLong()).isEqualTo(total);
        assertThat(row.get("goodCount").asLong()).isEqualTo(good);
        assertThat(row.get("availability").asDouble()).isCloseTo(availability, within(1e-12));
        assertThat(row.get("performance").asDouble()).isCloseTo(performance, within(1e-12));
        assertThat(row.get("quality").asDouble()).isCloseTo(quality, within(1e-12));
        assertThat(row.get("oee").asDouble()).isCloseTo(oee, within(1e-12));
    }

    private static void assertReliability(JsonNode reliability, long downStops, long ended, Double mtbfMs, Double mttrMs) {
        assertThat(reliability.get("downStops").asLong()).isEqualTo(downStops);
        assertThat(reliability.get("endedDownStops").asLong()).isEqualTo(ended);
        assertThat(reliability.get("mtbfMs").isNull() ? null : reliability.get("mtbfMs").asDouble()).isEqualTo(mtbfMs);
        assertThat(reliability.get("mttrMs").isNull() ? null : reliability.get("mttrMs").asDouble()).isEqualTo(mttrMs);
    }
}
