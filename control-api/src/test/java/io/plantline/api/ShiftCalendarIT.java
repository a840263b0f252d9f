package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.DeviceSettings;
import io.plantline.model.shifts.CalendarSchedule;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class ShiftCalendarIT {

    private static final Map<String, Object> EARLY = Map.of("name", "Early", "days", List.of("MON", "TUE", "WED", "THU", "FRI"),
            "start", "06:00", "end", "14:00", "breaks", List.of(Map.of("start", "10:00", "end", "10:30")));
    private static final Map<String, Object> LATE = Map.of("name", "Late", "days", List.of("MON", "TUE", "WED", "THU", "FRI"),
            "start", "14:00", "end", "22:00", "breaks", List.of());

    private static TestApi server;
    private static TestApi.Org org;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) {
        server = TestApi.start(database, kafka);
        org = server.organisation(TestApi.uniqueSlug("shifts"));
        for (String device : List.of("m1", "m2", "m3")) {
            server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", device));
        }
        server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "line-1", "name", "Line 1", "deviceIds", List.of("m1", "m2")));
        server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "line-2", "name", "Line 2", "deviceIds", List.of("m2", "m3")));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anAdminWritesTheOrganisationsCalendarAndALaterWriteFromAnEarlierTimeReplacesIt() {
        assertThat(server.call("GET", "/calendar", org.viewerToken(), null).data().get("calendar").isNull()).isTrue();

        TestApi.Response twoShifts = server.call("PUT", "/calendar", org.adminToken(), calendar("2026-12-07T05:00:00Z", EARLY, LATE));
        assertThat(twoShifts.status()).isEqualTo(200);
        assertThat(twoShifts.data().get("calendar").get("shifts")).hasSize(2);
        assertThat(twoShifts.data().get("calendar").get("holidays").get(0).asText()).isEqualTo("2026-12-25");
        assertThat(twoShifts.data().get("periods").get(0).get("writtenBy").asText()).startsWith("admin");

        assertThat(server.call("PUT", "/calendar", org.adminToken(), calendar("2026-12-14T05:00:00Z", EARLY)).status()).isEqualTo(200);
        TestApi.Response backdated = server.call("PUT", "/calendar", org.adminToken(), calendar("2026-12-01T05:00:00Z", LATE));
        assertThat(backdated.data().get("periods")).as("the write from Dec 1 on replaced both later periods").hasSize(1);
        assertThat(backdated.data().get("calendar").get("shifts").get(0).get("name").asText()).isEqualTo("Late");

        TestApi.Response removed = server.call("DELETE", "/calendar?effectiveFrom=2026-12-03T00:00:00Z", org.adminToken(), null);
        assertThat(removed.status()).isEqualTo(200);
        assertThat(removed.data().get("calendar").isNull()).as("none from Dec 3 on: every minute scheduled").isTrue();
        assertThat(removed.data().get("periods")).hasSize(2);
    }

    @Test
    void aCalendarIsRefusedWithEveryProblemAtOnce() {
        Map<String, Object> overlapping = Map.of("name", "Mid", "days", List.of("MON"), "start", "12:00", "end", "20:00",
                "breaks", List.of(Map.of("start", "21:00", "end", "21:30")));

        TestApi.Response refused = server.call("PUT", "/calendar", org.adminToken(), calendar(null, EARLY, overlapping));

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().get("error").get("details")).extracting(node -> node.asText()).containsExactlyInAnyOrder(
                "shift Mid: break 21:00-21:30 lies outside the shift 12:00-20:00",
                "shifts Early and Mid overlap");
        assertThat(server.call("PUT", "/calendar", org.operatorToken(), calendar(null, EARLY)).status())
                .as("an operator may not write the calendar").isEqualTo(403);
    }

    @Test
    void aMachineFollowsOneLinesCalendarOnly() {
        assertThat(server.call("PUT", "/groups/line-1/calendar", org.adminToken(), calendar(null, EARLY)).status()).isEqualTo(200);

        TestApi.Response refused = server.call("PUT", "/groups/line-2/calendar", org.adminToken(), calendar(null, LATE));

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().get("error").get("details").get(0).asText()).contains("m2 (line-1)");
        assertThat(server.call("GET", "/groups/line-1/calendar", org.viewerToken(), null).data().get("calendar")
                .get("shifts").get(0).get("name").asText()).isEqualTo("Early");
        assertThat(server.call("GET", "/groups/no-such-line/calendar", org.viewerToken(), null).status()).isEqualTo(404);

        assertThat(server.call("DELETE", "/groups/line-1/calendar", org.adminToken(), null).status()).isEqualTo(200);
        assertThat(server.call("PUT", "/groups/line-2/calendar", org.adminToken(), calendar(null, LATE)).status())
                .as("line 1 follows the organisation's calendar again").isEqualTo(200);
    }

    @Test
    void eachMachinesSettingsCarryTheCalendarItFollowsAndAMemberOfAnotherCalendarLineIsRefused() {
        TestApi.Org plant = server.organisation(TestApi.uniqueSlug("shift-settings"));
        assertThat(server.call("PATCH", "/organisation", plant.adminToken(), Map.of("timeZone", "Europe/Berlin")).status())
                .isEqualTo(200);
        for (String device : List.of("p1", "p2", "p3")) {
            server.call("POST", "/devices", plant.operatorToken(), Map.of("deviceId", device));
        }
        server.call("POST", "/groups", plant.operatorToken(), Map.of("groupId", "line-a", "name", "Line A", "deviceIds", List.of("p1")));
        server.call("POST", "/groups", plant.operatorToken(), Map.of("groupId", "line-b", "name", "Line B", "deviceIds", List.of("p3")));

        server.call("PUT", "/calendar", plant.adminToken(), calendar("2026-12-07T00:00:00Z", EARLY, LATE));
        server.call("PUT", "/groups/line-a/calendar", plant.adminToken(), calendar("2026-12-08T00:00:00Z", EARLY));
        server.call("PUT", "/groups/line-b/calendar", plant.adminToken(), calendar("2026-12-08T00:00:00Z", LATE));

        // Tuesday 15:00 in Berlin: the late shift of the organisation, not of line A's early-only calendar.
        Instant tuesdayAfternoon = Instant.parse("2026-12-08T14:00:00Z");
        assertThat(calendarOf(plant, "p1").schedules(tuesdayAfternoon)).as("line A: early shift only").isFalse();
        assertThat(calendarOf(plant, "p1").schedules(Instant.parse("2026-12-07T14:00:00Z")))
                .as("Monday, before line A's calendar: the organisation's").isTrue();
        assertThat(calendarOf(plant, "p2").schedules(tuesdayAfternoon)).as("no line: the organisation's").isTrue();
        assertThat(calendarOf(plant, "p2").periods()).extracting(period -> period.zone().getId()).containsOnly("Europe/Berlin");

        TestApi.Response twoCalendars = server.call("PUT", "/groups/line-a/members", plant.operatorToken(),
                Map.of("deviceIds", List.of("p1", "p3")));
        assertThat(twoCalendars.status()).isEqualTo(409);
        assertThat(twoCalendars.body().get("error").get("message").asText()).contains("p3 (line-b)");

        assertThat(server.call("PUT", "/groups/line-a/members", plant.operatorToken(), Map.of("deviceIds", List.of("p1", "p2")))
                .status()).isEqualTo(200);
        assertThat(calendarOf(plant, "p2").schedules(tuesdayAfternoon)).as("p2 joined line A").isFalse();
        assertThat(server.call("DELETE", "/groups/line-a", plant.operatorToken(), null).status()).isEqualTo(204);
        assertThat(calendarOf(plant, "p1").schedules(tuesdayAfternoon)).as("line A deleted: the organisation's").isTrue();
    }

    private static CalendarSchedule calendarOf(TestApi.Org plant, String deviceId) {
        return ((DeviceSettings) server.latestRulesValue(plant.slug() + "/device/" + deviceId).orElseThrow()).calendar();
    }

    @SafeVarargs
    private static Map<String, Object> calendar(String effectiveFrom, Map<String, Object>... shifts) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("shifts", List.of(shifts));
        body.put("holidays", List.of("2026-12-25"));
        if (effectiveFrom != null) {
            body.put("effectiveFrom", effectiveFrom);
        }
        return body;
    }
}
