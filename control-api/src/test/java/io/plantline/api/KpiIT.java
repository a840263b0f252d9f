package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** KPI answers checked against rows whose right answers are worked out by hand below. */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class KpiIT {
    /** Unique per run, so records left on a shared Kafka by earlier runs never match. */
    private static final String KPI_ORG = TestApi.uniqueSlug("kpi-org");


    private static final String AT_10 = "2026-11-23T10:00:00Z";
    private static TestApi server;
    private static TestApi.Org org;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) throws Exception {
        server = TestApi.start(database, kafka);
        org = server.organisation(KPI_ORG);
        assertThat(server.call("PATCH", "/organisation", org.adminToken(), Map.of("timeZone", "Mars/Olympus")).status()).isEqualTo(400);
        assertThat(server.call("PATCH", "/organisation", org.adminToken(), Map.of("timeZone", "Europe/Berlin")).status()).isEqualTo(200);
        for (String device : List.of("m1", "m2", "m3")) {
            server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", device));
        }
        server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "pair", "name", "Pair", "deviceIds", List.of("m1", "m2")));
        try (Connection connection = database.connect()) {
            // m1, ideal 2 s: a full minute making 30 (27 good), then half a minute running making 10 (all good).
            minute(connection, "m1", "2026-11-23T10:00:00Z", 60_000, 60_000, 30, 27, 2000.0);
            minute(connection, "m1", "2026-11-23T10:01:00Z", 60_000, 30_000, 10, 10, 2000.0);
            // m2, ideal 1 s: 45 s running making 40 (36 good), then a planned stop.
            minute(connection, "m2", "2026-11-23T10:00:00Z", 60_000, 45_000, 40, 36, 1000.0);
            minute(connection, "m2", "2026-11-23T10:01:00Z", 0, 0, 0, 0, 1000.0);
            // m3 has no ideal cycle time: its performance and OEE are unknown, and so are any sums including it.
            minute(connection, "m3", "2026-11-23T10:00:00Z", 60_000, 60_000, 50, 50, null);
        }
        // Another organisation with a group of the same id holding a device of the same id as KPI_ORG's m3: it must
        // not pull m3 into KPI_ORG's group.
        database.execute("INSERT INTO organisations (slug, name) VALUES ('" + KPI_ORG + "-twin', 'twin');"
                + " INSERT INTO devices (org_slug, device_id) VALUES ('" + KPI_ORG + "-twin', 'm3');"
                + " INSERT INTO device_groups (org_slug, group_id, name) VALUES ('" + KPI_ORG + "-twin', 'pair', 'Pair');"
                + " INSERT INTO device_group_members VALUES ('" + KPI_ORG + "-twin', 'pair', 'm3')");
        database.execute("CALL upsert_telemetry_minute('" + KPI_ORG + "', 'm1', 'temperature', '2026-11-23T10:00:00Z', 2, 1, 3, 2, 1);"
                + " CALL upsert_telemetry_minute('" + KPI_ORG + "', 'm1', 'temperature', '2026-11-23T10:01:00Z', 2, 5, 7, 6, 1)");
        database.execute("INSERT INTO anomalies (org_slug, device_id, metric, ts, value, score, method) VALUES"
                + " ('" + KPI_ORG + "', 'm1', 'temperature', '2026-11-23T10:00:05Z', 99, 7.5, 'spike'),"
                + " ('" + KPI_ORG + "', 'm1', 'temperature', '2026-11-23T10:00:09Z', 98, 7.1, 'spike'),"
                + " ('" + KPI_ORG + "', 'm1', 'vibration', '2026-11-23T10:00:07Z', 3, 12.5, 'cusum')");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void groupOeeSumsComponentsBeforeDividingAtEveryGranularity() {
        // planned 180 000, run 135 000, ideal 60 000 + 20 000 + 40 000, good ideal 54 000 + 20 000 + 36 000.
        for (String range : List.of("from=2026-11-23T10:00:00Z&to=2026-11-23T10:02:00Z&granularity=1m",
                "from=2026-11-23T10:00:00Z&to=2026-11-23T11:00:00Z&granularity=1h",
                "from=2026-11-22T23:00:00Z&to=2026-11-23T23:00:00Z&granularity=1d")) {
            TestApi.Response answer = server.call("GET", "/analytics/oee?groupId=pair&" + range, org.viewerToken(), null);
            assertThat(answer.status()).as(range).isEqualTo(200);
            JsonNode total = answer.data().get("total");
            assertThat(total.get("plannedMs").asLong()).as(range).isEqualTo(180_000);
            assertThat(total.get("runMs").asLong()).isEqualTo(135_000);
            assertThat(total.get("totalCount").asLong()).isEqualTo(80);
            assertThat(total.get("goodCount").asLong()).isEqualTo(73);
            assertThat(total.get("availability").asDouble()).isCloseTo(0.75, within(1e-9));
            assertThat(total.get("performance").asDouble()).isCloseTo(120_000.0 / 135_000, within(1e-9));
            assertThat(total.get("quality").asDouble()).isCloseTo(110_000.0 / 120_000, within(1e-9));
            assertThat(total.get("oee").asDouble()).isCloseTo(110_000.0 / 180_000, within(1e-9));
            assertThat(answer.data().has("machines")).as("only with per=device").isFalse();
            // Each machine's total, summed by the same rule: their components add up to the group's.
            JsonNode machines = server.call("GET", "/analytics/oee?groupId=pair&per=device&" + range, org.viewerToken(),
                    null).data().get("machines");
            assertThat(machines.findValuesAsText("deviceId")).containsExactly("m1", "m2");
            assertThat(machines.get(0).get("total").get("plannedMs").asLong() + machines.get(1).get("total")
                    .get("plannedMs").asLong()).as(range).isEqualTo(180_000);
        }
        JsonNode byMinute = server.call("GET", "/analytics/oee?groupId=pair&from=2026-11-23T10:00:00Z&to=2026-11-23T10:02:00Z&granularity=1m",
                org.viewerToken(), null).data().get("series");
        assertThat(byMinute).hasSize(2);
        assertThat(byMinute.get(1).get("plannedMs").asLong()).isEqualTo(60_000);
        assertThat(byMinute.get(1).get("oee").asDouble()).isCloseTo(20_000.0 / 60_000, within(1e-9));
        JsonNode byDay = server.call("GET", "/analytics/oee?groupId=pair&from=2026-11-22T23:00:00Z&to=2026-11-23T23:00:00Z&granularity=1d",
                org.viewerToken(), null).data().get("series");
        assertThat(byDay.get(0).get("bucketStart").asText()).as("Berlin's midnight").isEqualTo("2026-11-22T23:00:00Z");
    }

    /** A group's hours are pre-summed (oee_group_1h): its answer follows members joining and leaving after the data. */
    @Test
    void aGroupsHourlyOeeFollowsItsMembersWhateverTheyJoinedAfter() {
        String hour = "/analytics/oee?groupId=late&from=2026-11-23T10:00:00Z&to=2026-11-23T11:00:00Z&granularity=1h";
        server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "late", "name", "Late", "deviceIds", List.of("m1")));
        assertThat(server.call("GET", hour, org.viewerToken(), null).data().get("total").get("plannedMs").asLong())
                .isEqualTo(120_000);

        assertThat(server.call("PUT", "/groups/late/members", org.operatorToken(),
                Map.of("deviceIds", List.of("m1", "m2", "m3"))).status()).isEqualTo(200);
        JsonNode all = server.call("GET", hour, org.viewerToken(), null).data().get("total");
        assertThat(all.get("plannedMs").asLong()).isEqualTo(240_000);
        assertThat(all.get("goodCount").asLong()).isEqualTo(123);
        assertThat(all.get("performance").isNull()).as("m3 has no ideal cycle time").isTrue();

        assertThat(server.call("PUT", "/groups/late/members", org.operatorToken(),
                Map.of("deviceIds", List.of("m2"))).status()).isEqualTo(200);
        JsonNode one = server.call("GET", hour, org.viewerToken(), null).data().get("total");
        assertThat(one.get("plannedMs").asLong()).isEqualTo(60_000);
        assertThat(one.get("oee").asDouble()).isCloseTo(36_000.0 / 60_000, within(1e-9));

        assertThat(server.call("DELETE", "/groups/late", org.operatorToken(), null).status()).isEqualTo(204);
        server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "late", "name", "Late", "deviceIds", List.of()));
        JsonNode empty = server.call("GET", hour, org.viewerToken(), null).data();
        assertThat(empty.get("series")).as("a new group of the same id starts empty").isEmpty();
    }

    @Test
    void oneMachineAndTheWholeOrganisation() {
        JsonNode machine = server.call("GET", "/analytics/oee?deviceId=m1&from=2026-11-23T10:00:00Z&to=2026-11-23T11:00:00Z&granularity=1h",
                org.viewerToken(), null).data().get("total");
        assertThat(machine.get("oee").asDouble()).isCloseTo(74_000.0 / 120_000, within(1e-9));
        assertThat(machine.get("quality").asDouble()).isCloseTo(37.0 / 40, within(1e-9));

        JsonNode organisation = server.call("GET", "/analytics/oee?from=2026-11-23T10:00:00Z&to=2026-11-23T11:00:00Z&granularity=1h",
                org.viewerToken(), null).data().get("total");
        assertThat(organisation.get("plannedMs").asLong()).isEqualTo(240_000);
        assertThat(organisation.get("availability").asDouble()).isCloseTo(195_000.0 / 240_000, within(1e-9));
        assertThat(organisation.get("performance").isNull()).as("m3 has no ideal cycle time").isTrue();
        assertThat(organisation.get("oee").isNull()).isTrue();
    }

    @Test
    void rangesMustCoverWholeBucketsOfABoundedCount() {
        TestApi.Response utcMidnight = server.call("GET", "/analytics/oee?from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z&granularity=1d",
                org.viewerToken(), null);
        assertThat(utcMidnight.status()).isEqualTo(400);
        assertThat(utcMidnight.body().get("error").get("details").get(0).asText()).contains("Europe/Berlin");
        assertThat(server.call("GET", "/analytics/oee?from=2026-01-01T00:00:00Z&to=2026-11-01T00:00:00Z&granularity=1m",
                org.viewerToken(), null).status()).isEqualTo(400);
        TestApi.Response missing = server.call("GET", "/analytics/oee?deviceId=m1&groupId=pair", org.viewerToken(), null);
        assertThat(missing.body().get("error").get("details")).hasSize(4);
    }

    @Test
    void telemetryHoursPoolTheMinutesExactly() {
        JsonNode hour = server.call("GET", "/telemetry?deviceId=m1&metric=temperature&from=2026-11-23T10:00:00Z&to=2026-11-23T11:00:00Z"
                + "&resolution=1h", org.viewerToken(), null).data().get("series").get(0);

        assertThat(hour.get("bucketStart").asText()).isEqualTo(AT_10);
        assertThat(hour.get("count").asLong()).isEqualTo(4);
        assertThat(hour.get("min").asDouble()).isEqualTo(1);
        assertThat(hour.get("max").asDouble()).isEqualTo(7);
        assertThat(hour.get("avg").asDouble()).isCloseTo(4, within(1e-9));
        assertThat(hour.get("stddev").asDouble()).as("population stddev of 1, 3, 5, 7").isCloseTo(Math.sqrt(5), within(1e-9));
        assertThat(server.call("GET", "/telemetry?deviceId=m1&metric=temperature&from=2026-11-23T10:00:00Z&to=2026-11-23T10:02:00Z"
                + "&resolution=1m", org.viewerToken(), null).data().get("series")).hasSize(2);
    }

    @Test
    void anomaliesFilterAndPage() {
        TestApi.Response page = server.call("GET", "/anomalies?deviceId=m1&metric=temperature&from=2026-11-23T00:00:00Z"
                + "&to=2026-11-24T00:00:00Z&pageSize=1", org.viewerToken(), null);

        assertThat(page.body().get("pagination").get("total").asInt()).isEqualTo(2);
        assertThat(page.data()).singleElement().satisfies(anomaly -> assertThat(anomaly.get("ts").asText()).isEqualTo("2026-11-23T10:00:09Z"));
    }

    private static void minute(Connection connection, String device, String bucket, long plannedMs, long runMs, long total,
                               long good, Double idealCycleMs) throws Exception {
        try (CallableStatement call = connection.prepareCall("CALL upsert_oee_minute(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            Double ideal = idealCycleMs == null ? null : idealCycleMs * total;
            Double goodIdeal = idealCycleMs == null ? null : idealCycleMs * good;
            call.setString(1, KPI_ORG);
            call.setString(2, device);
            call.setTimestamp(3, Timestamp.from(Instant.parse(bucket)));
            call.setLong(4, plannedMs);
            call.setLong(5, runMs);
            call.setLong(6, total);
            call.setLong(7, good);
            call.setObject(8, idealCycleMs);
            call.setObject(9, ideal);
            call.setObject(10, goodIdeal);
            call.setObject(11, plannedMs == 0 ? null : (double) runMs / plannedMs);
            call.setObject(12, ideal == null || runMs == 0 ? null : ideal / runMs);
            call.setObject(13, total == 0 ? null : (double) good / total);
            call.setObject(14, goodIdeal == null || plannedMs == 0 ? null : goodIdeal / plannedMs);
            call.setBoolean(15, false);
            call.execute();
        }
    }
}
