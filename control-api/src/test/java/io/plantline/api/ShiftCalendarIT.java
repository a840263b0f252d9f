package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
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
