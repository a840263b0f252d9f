package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** MTBF, MTTR, utilisation and TEEP in the OEE answers, against numbers worked out by hand below. */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class OeeReliabilityIT {

    private static final String MINUTES = "from=2026-11-23T10:00:00Z&to=2026-11-23T10:10:00Z&granularity=1m";
    private static TestApi server;
    private static TestApi.Org org;
    private static PlantHistory plant;

    /**
     * r1, ideal cycle 2 s, ten scheduled minutes from 10:00: known 540 000 (10:08 unknown), of it 60 000 planned stop
     * (10:03), so planned 480 000; run 280 000; ideal 110 000, good ideal 106 000. DOWN stops begun in the range:
     * 10:01-10:02 (60 s), 10:05:00-10:05:30 (30 s) and 10:09-10:12 (ends after it); 09:58-10:00:30 began before it;
     * the IDLE stop at 10:07 is no breakdown. r2: ten minutes known and planned (600 000), run 540 000, one DOWN stop
     * 10:03-10:04.
     */
    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) throws Exception {
        server = TestApi.start(database, kafka);
        org = server.organisation(TestApi.uniqueSlug("reliability"));
        for (String device : List.of("r1", "r2")) {
            server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", device));
        }
        server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "cell", "name", "Cell", "deviceIds", List.of("r1", "r2")));
        plant = new PlantHistory(database, org.slug());
        plant.stop("r1", "DOWN", null, "2026-11-23T09:58:00Z", "2026-11-23T10:00:30Z");
        plant.stop("r1", "DOWN", "jam", "2026-11-23T10:01:00Z", "2026-11-23T10:02:00Z");
        plant.stop("r1", "DOWN", "jam", "2026-11-23T10:05:00Z", "2026-11-23T10:05:30Z");
        plant.stop("r1", "IDLE", null, "2026-11-23T10:07:00Z", "2026-11-23T10:07:20Z");
        plant.stop("r1", "DOWN", null, "2026-11-23T10:09:00Z", "2026-11-23T10:12:00Z");
        plant.minute("r1", "2026-11-23T10:00:00Z").down(30_000).run(30_000).parts(0, 0, 2000.0).write();
        plant.minute("r1", "2026-11-23T10:01:00Z").down(60_000).parts(0, 0, 2000.0).write();
        plant.minute("r1", "2026-11-23T10:02:00Z").run(60_000).parts(30, 28, 2000.0).write();
        plant.minute("r1", "2026-11-23T10:03:00Z").plannedStop(60_000).parts(0, 0, 2000.0).write();
        plant.minute("r1", "2026-11-23T10:04:00Z").run(60_000).parts(25, 25, 2000.0).write();
        plant.minute("r1", "2026-11-23T10:05:00Z").down(30_000).run(30_000).parts(0, 0, 2000.0).write();
        plant.minute("r1", "2026-11-23T10:06:00Z").run(60_000).parts(0, 0, 2000.0).write();
        plant.minute("r1", "2026-11-23T10:07:00Z").idle(20_000).run(40_000).parts(0, 0, 2000.0).write();
        plant.minute("r1", "2026-11-23T10:08:00Z").parts(0, 0, 2000.0).write();
        plant.minute("r1", "2026-11-23T10:09:00Z").down(60_000).parts(0, 0, 2000.0).write();
        plant.stop("r2", "DOWN", null, "2026-11-23T10:03:00Z", "2026-11-23T10:04:00Z");
        for (int minute = 0; minute < 10; minute++) {
            PlantHistory.Minute row = plant.minute("r2", "2026-11-23T10:0" + minute + ":00Z").parts(0, 0, 1000.0);
            (minute == 3 ? row.down(60_000) : row.run(60_000)).write();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        plant.close();
        server.close();
    }

    @Test
    void aMachinesReliabilityAndUtilisationByTheMinute() {
        JsonNode answer = server.call("GET", "/analytics/oee?deviceId=r1&" + MINUTES, org.viewerToken(), null).data();

        JsonNode total = answer.get("total");
        assertThat(total.get("knownMs").asLong()).isEqualTo(540_000);
        assertThat(total.get("plannedMs").asLong()).isEqualTo(480_000);
        assertThat(total.get("runMs").asLong()).isEqualTo(280_000);
        assertThat(total.get("utilisation").asDouble()).isCloseTo(480_000.0 / 540_000, within(1e-12));
        assertThat(total.get("teep").asDouble()).isCloseTo(106_000.0 / 540_000, within(1e-12));
        JsonNode reliability = answer.get("reliability");
        assertThat(reliability.get("downStops").asLong()).isEqualTo(3);
        assertThat(reliability.get("endedDownStops").asLong()).isEqualTo(2);
        assertThat(reliability.get("mtbfMs").asDouble()).isCloseTo(280_000.0 / 3, within(1e-9));
        assertThat(reliability.get("mttrMs").asDouble()).isCloseTo(45_000, within(1e-9));
        JsonNode series = answer.get("series");
        assertThat(series.get(3).get("utilisation").asDouble()).as("a planned stop is known, not planned").isZero();
        assertThat(series.get(8).get("knownMs").asLong()).isZero();
        assertThat(series.get(8).get("utilisation").isNull()).as("nothing known").isTrue();
    }

    @Test
    void aGroupSumsItsMachinesFirst() {
        JsonNode answer = server.call("GET", "/analytics/oee?groupId=cell&per=device&" + MINUTES, org.viewerToken(), null).data();

        JsonNode total = answer.get("total");
        assertThat(total.get("knownMs").asLong()).isEqualTo(1_140_000);
        assertThat(total.get("utilisation").asDouble()).isCloseTo(1_080_000.0 / 1_140_000, within(1e-12));
        assertThat(total.get("teep").asDouble()).isCloseTo(106_000.0 / 1_140_000, within(1e-12));
        JsonNode reliability = answer.get("reliability");
        assertThat(reliability.get("downStops").asLong()).isEqualTo(4);
        assertThat(reliability.get("mtbfMs").asDouble()).isCloseTo(820_000.0 / 4, within(1e-9));
        assertThat(reliability.get("mttrMs").asDouble()).isCloseTo(150_000.0 / 3, within(1e-9));
        JsonNode machines = answer.get("machines");
        assertThat(machines.findValuesAsText("deviceId")).containsExactly("r1", "r2");
        assertThat(machines.get(1).get("reliability").get("mtbfMs").asDouble()).isCloseTo(540_000, within(1e-9));
        assertThat(machines.get(1).get("reliability").get("mttrMs").asDouble()).isCloseTo(60_000, within(1e-9));
    }

    /** Roll-ups keep no known time; reliability comes from the stops, at any granularity. */
    @Test
    void anHourCarriesReliabilityButNoUtilisation() {
        JsonNode answer = server.call("GET", "/analytics/oee?deviceId=r1&from=2026-11-23T10:00:00Z&to=2026-11-23T11:00:00Z"
                + "&granularity=1h", org.viewerToken(), null).data();

        assertThat(answer.get("total").get("runMs").asLong()).isEqualTo(280_000);
        assertThat(answer.get("total").get("utilisation").isNull()).isTrue();
        assertThat(answer.get("total").get("teep").isNull()).isTrue();
        assertThat(answer.get("reliability").get("mttrMs").asDouble()).as("all three ended by 11:00")
                .isCloseTo((60_000 + 30_000 + 180_000) / 3.0, within(1e-9));
    }

    @Test
    void withoutDownStopsMtbfAndMttrAreNull() {
        JsonNode reliability = server.call("GET", "/analytics/oee?deviceId=r2&from=2026-11-23T10:05:00Z"
                + "&to=2026-11-23T10:10:00Z&granularity=1m", org.viewerToken(), null).data().get("reliability");

        assertThat(reliability.get("downStops").asLong()).isZero();
        assertThat(reliability.get("mtbfMs").isNull()).isTrue();
        assertThat(reliability.get("mttrMs").isNull()).isTrue();
    }
}
