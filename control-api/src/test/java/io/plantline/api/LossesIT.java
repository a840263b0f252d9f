package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.http.Json;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code /analytics/losses}: a range's planned time split into stop, speed and quality losses, exactly. */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class LossesIT {

    private static final String RANGE = "from=2026-11-23T10:00:00Z&to=2026-11-23T10:04:00Z";
    private static final List<Long> SEEDS = List.of(1L, 7L, 42L, 2026L, 31337L);
    private static final List<String> REASONS = List.of("jam", "no_material", "tool_change", "coffee");
    private static TestApi server;
    private static TestApi.Org org;
    private static PlantHistory plant;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) throws Exception {
        server = TestApi.start(database, kafka);
        org = server.organisation(TestApi.uniqueSlug("losses"));
        catalogue(org);
        for (String device : List.of("m1", "m2", "m3")) {
            server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", device));
        }
        server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "line", "name", "Line", "deviceIds", List.of("m1", "m2")));
        plant = new PlantHistory(database, org.slug());
        // m1, ideal cycle 1 s. S4: DOWN without a reason from 09:58:00 to 10:00:10 (begun before the range: 10 s of it
        // in the range). S1: DOWN jam 10:00:20-10:01:40 (80 s). S2: IDLE no_material 10:02:00-10:02:30 (30 s, shorter
        // than the 60 s of a minor stop). S3: IDLE coffee (outside the catalogue) from 10:02:40, open: 20 s in 10:02,
        // 60 s in the unscheduled 10:03.
        plant.stop("m1", "DOWN", null, "2026-11-23T09:58:00Z", "2026-11-23T10:00:10Z");
        plant.stop("m1", "DOWN", "jam", "2026-11-23T10:00:20Z", "2026-11-23T10:01:40Z");
        plant.stop("m1", "IDLE", "no_material", "2026-11-23T10:02:00Z", "2026-11-23T10:02:30Z");
        plant.stop("m1", "IDLE", "coffee", "2026-11-23T10:02:40Z", null);
        plant.minute("m1", "2026-11-23T09:59:00Z").down(60_000).parts(0, 0, 1000.0).write();
        plant.stopMinute("m1", "2026-11-23T09:59:00Z", "2026-11-23T09:58:00Z", 60_000);
        plant.minute("m1", "2026-11-23T10:00:00Z").down(50_000).run(10_000).parts(8, 6, 1000.0).write();
        plant.stopMinute("m1", "2026-11-23T10:00:00Z", "2026-11-23T09:58:00Z", 10_000);
        plant.stopMinute("m1", "2026-11-23T10:00:00Z", "2026-11-23T10:00:20Z", 40_000);
        plant.minute("m1", "2026-11-23T10:01:00Z").down(40_000).run(20_000).parts(15, 15, 1000.0).write();
        plant.stopMinute("m1", "2026-11-23T10:01:00Z", "2026-11-23T10:00:20Z", 40_000);
        plant.minute("m1", "2026-11-23T10:02:00Z").idle(50_000).run(10_000).parts(5, 4, 1000.0).write();
        plant.stopMinute("m1", "2026-11-23T10:02:00Z", "2026-11-23T10:02:00Z", 30_000);
        plant.stopMinute("m1", "2026-11-23T10:02:00Z", "2026-11-23T10:02:40Z", 20_000);
        plant.minute("m1", "2026-11-23T10:03:00Z").idle(60_000).parts(0, 0, 1000.0).unscheduled().write();
        plant.stopMinute("m1", "2026-11-23T10:03:00Z", "2026-11-23T10:02:40Z", 60_000);
        // m2 has no ideal cycle time; m3 is outside the line.
        plant.minute("m2", "2026-11-23T10:00:00Z").run(60_000).parts(10, 10, null).write();
        plant.stop("m3", "DOWN", "jam", "2026-11-23T10:00:00Z", "2026-11-23T10:01:00Z");
        plant.minute("m3", "2026-11-23T10:00:00Z").down(60_000).parts(0, 0, 1000.0).write();
        plant.stopMinute("m3", "2026-11-23T10:00:00Z", "2026-11-23T10:00:00Z", 60_000);
    }

    @AfterAll
    static void stop() throws Exception {
        plant.close();
        server.close();
    }

    /**
     * m1: planned 180 000 (three scheduled minutes), run 40 000, ideal 28 000, good ideal 25 000; stops in scheduled
     * time 10 000 + 80 000 + 30 000 + 20 000 = 140 000 = planned - run. So speed loss 12 000, quality loss 3 000, and
     * planned - good ideal = 155 000 = 140 000 + 12 000 + 3 000.
     */
    @Test
    void aMachinesLossesWorkedByHand() {
        TestApi.Response answer = server.call("GET", "/analytics/losses?deviceId=m1&" + RANGE, org.viewerToken(), null);

        assertThat(answer.status()).isEqualTo(200);
        JsonNode losses = answer.data();
        assertThat(losses.get("plannedMs").asLong()).isEqualTo(180_000);
        assertThat(losses.get("runMs").asLong()).isEqualTo(40_000);
        assertThat(losses.get("idealMs").asDouble()).isEqualTo(28_000);
        assertThat(losses.get("goodIdealMs").asDouble()).isEqualTo(25_000);
        assertThat(losses.get("stopLossTotalMs").asLong()).isEqualTo(140_000);
        assertThat(losses.get("speedLossMs").asDouble()).isEqualTo(12_000);
        assertThat(losses.get("qualityLossMs").asDouble()).isEqualTo(3_000);
        assertThat(losses.get("stopLossMs").toString()).isEqualTo(categories(80_000, 0, 0, 0, 0, 0, 30_000, 30_000));
        assertThat(losses.get("pareto")).extracting(reason -> reason.get("reasonCode").asText() + " "
                + reason.get("lostMs").asLong() + " " + reason.get("stops").asLong()).containsExactly(
                "jam 80000 1", "no_material 30000 1", "coffee 20000 1", "null 10000 0");
        assertThat(losses.get("pareto").get(0).get("reasonName").asText()).isEqualTo("Jam");
        assertThat(losses.get("pareto").get(2).get("reasonName").isNull()).isTrue();
    }

    /**
     * Parts made in an unscheduled minute (overtime) stay outside OEE as its run time does: m4 runs at its ideal rate in
     * a scheduled minute and in an overtime minute of the same hour, so its OEE of that hour and day is 1 (performance 1,
     * not 2), the fully productive time of its losses over the planned minute, at every granularity.
     */
    @Test
    void partsMadeInOvertimeStayOutsideTheOee() throws Exception {
        assertThat(server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "m4")).status()).isEqualTo(201);
        plant.minute("m4", "2026-11-24T11:00:00Z").run(60_000).parts(30, 29, 2000.0).write();
        plant.minute("m4", "2026-11-24T11:01:00Z").run(60_000).parts(30, 30, 2000.0).unscheduled().write();

        JsonNode losses = server.call("GET", "/analytics/losses?deviceId=m4&from=2026-11-24T11:00:00Z&to=2026-11-24T11:02:00Z",
                org.viewerToken(), null).data();
        assertThat(losses.get("idealMs").asDouble()).isEqualTo(60_000);
        assertThat(losses.get("goodIdealMs").asDouble()).isEqualTo(58_000);
        for (String query : List.of("granularity=1m&from=2026-11-24T11:00:00Z&to=2026-11-24T11:02:00Z",
                "granularity=1h&from=2026-11-24T11:00:00Z&to=2026-11-24T12:00:00Z",
                "granularity=1d&from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z")) {
            JsonNode total = server.call("GET", "/analytics/oee?deviceId=m4&" + query, org.viewerToken(), null).data().get("total");
            assertThat(total.get("idealMs").asDouble()).as(query).isEqualTo(60_000);
            assertThat(total.get("performance").asDouble()).as(query).isEqualTo(1.0);
            assertThat(total.get("quality").asDouble()).as(query).isEqualTo(29 / 30.0);
            assertThat(total.get("oee").asDouble()).as(query).isEqualTo(58_000 / 60_000.0);
            assertThat(total.get("performanceAbove1").asBoolean()).as(query).isFalse();
        }
    }

    @Test
    void anOperatorsReasonMovesTheStopsLossToItsCategory() {
        assertThat(server.call("PUT", "/stops/m1/2026-11-23T10:00:20Z/classification", org.operatorToken(),
                Map.of("reasonCode", "tool_change")).status()).isEqualTo(200);
        try {
            JsonNode losses = server.call("GET", "/analytics/losses?deviceId=m1&" + RANGE, org.viewerToken(), null).data();
            assertThat(losses.get("stopLossMs").get("setup").asLong()).isEqualTo(80_000);
            assertThat(losses.get("stopLossMs").get("breakdown").asLong()).isZero();
            assertThat(losses.get("pareto").get(0).get("reasonCode").asText()).isEqualTo("tool_change");
        } finally {
            server.call("PUT", "/stops/m1/2026-11-23T10:00:20Z/classification", org.operatorToken(), Map.of("reasonCode", "jam"));
        }
    }

    /** m2 has no ideal cycle time: the line's ideal sums and speed and quality losses are unknown, its stop losses not. */
    @Test
    void withoutAnIdealCycleTimeSpeedAndQualityLossesAreNull() {
        JsonNode losses = server.call("GET", "/analytics/losses?groupId=line&" + RANGE, org.viewerToken(), null).data();

        assertThat(losses.get("plannedMs").asLong()).isEqualTo(240_000);
        assertThat(losses.get("runMs").asLong()).isEqualTo(100_000);
        assertThat(losses.get("stopLossTotalMs").asLong()).as("m3 is not in the line").isEqualTo(140_000);
        for (String unknown : List.of("idealMs", "goodIdealMs", "speedLossMs", "qualityLossMs")) {
            assertThat(losses.get(unknown).isNull()).as(unknown).isTrue();
        }
    }

    @Test
    void rangesAreWholeMinutesOfAtMostAMonth() {
        TestApi.Response refused = server.call("GET", "/analytics/losses?deviceId=m1&from=2026-11-23T10:00:30Z"
                + "&to=2026-12-30T10:00:00Z", org.viewerToken(), null);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().get("error").get("details")).hasSize(2);
        assertThat(server.call("GET", "/analytics/losses?deviceId=m9&" + RANGE, org.viewerToken(), null).status()).isEqualTo(404);
    }

    /**
     * The identity {@code planned - goodIdeal = sum(stopLossMs) + speedLoss + qualityLoss} on random minutes of a line
     * of two machines (and one outside it), each seed its own organisation: scheduled and unscheduled minutes, unknown
     * time, planned stops, stops spanning minutes, stop minutes whose stop row is missing (a stop the job moved),
     * whole-millisecond ideal cycle times. The OEE answer over the same range has the MTBF, MTTR, utilisation and TEEP
     * worked out from the same minutes and stops by hand.
     */
    @Test
    void theLossesAddUpExactlyToThePlannedTimeNotMadeGoodAndTheReliabilityIsTheFiguresByHand() throws Exception {
        for (long seed : SEEDS) {
            TestApi.Org seeded = server.organisation(TestApi.uniqueSlug("losses-" + seed));
            catalogue(seeded);
            for (String device : List.of("a", "b", "c")) {
                server.call("POST", "/devices", seeded.operatorToken(), Map.of("deviceId", device));
            }
            server.call("POST", "/groups", seeded.operatorToken(), Map.of("groupId", "g", "name", "G", "deviceIds", List.of("a", "b")));
            Instant from = Instant.parse("2026-11-23T08:05:00Z");
            Instant to = Instant.parse("2026-11-23T08:35:00Z");
            Expected expected = new Expected();
            Random random = new Random(seed);
            try (PlantHistory history = new PlantHistory(server.database, seeded.slug())) {
                for (String device : List.of("a", "b", "c")) {
                    randomMinutes(history, device, random, from, to, device.equals("c") ? new Expected() : expected);
                }
            }

            JsonNode losses = server.call("GET", "/analytics/losses?groupId=g&from=" + from + "&to=" + to,
                    seeded.viewerToken(), null).data();

            String what = "seed " + seed;
            assertThat(losses.get("plannedMs").asLong()).as(what).isEqualTo(expected.plannedMs);
            assertThat(losses.get("stopLossTotalMs").asLong()).as(what).isEqualTo(expected.stopMs);
            assertThat(losses.get("plannedMs").asDouble() - losses.get("goodIdealMs").asDouble()).as(what).isEqualTo(
                    losses.get("stopLossTotalMs").asDouble() + losses.get("speedLossMs").asDouble()
                            + losses.get("qualityLossMs").asDouble());
            long byCategory = 0;
            for (JsonNode ms : losses.get("stopLossMs")) {
                byCategory += ms.asLong();
            }
            long byReason = 0;
            long began = 0;
            for (JsonNode reason : losses.get("pareto")) {
                byReason += reason.get("lostMs").asLong();
                began += reason.get("stops").asLong();
            }
            assertThat(byCategory).as(what).isEqualTo(expected.stopMs);
            assertThat(byReason).as(what).isEqualTo(expected.stopMs);
            assertThat(began).as(what).isEqualTo(expected.stopsBegan);

            JsonNode oee = server.call("GET", "/analytics/oee?groupId=g&granularity=1m&from=" + from + "&to=" + to,
                    seeded.viewerToken(), null).data();
            JsonNode reliability = oee.get("reliability");
            assertThat(reliability.get("downStops").asLong()).as(what).isEqualTo(expected.downStops);
            assertThat(reliability.get("endedDownStops").asLong()).as(what).isEqualTo(expected.endedDownStops);
            assertThat(reliability.get("mtbfMs").isNull() ? null : reliability.get("mtbfMs").asDouble()).as(what)
                    .isEqualTo(expected.downStops == 0 ? null : (double) expected.runMs / expected.downStops);
            assertThat(reliability.get("mttrMs").isNull() ? null : reliability.get("mttrMs").asDouble()).as(what)
                    .isEqualTo(expected.endedDownStops == 0 ? null : (double) expected.endedDownMs / expected.endedDownStops);
            JsonNode total = oee.get("total");
            assertThat(total.get("knownMs").asLong()).as(what).isEqualTo(expected.knownMs);
            assertThat(total.get("utilisation").asDouble()).as(what).isEqualTo((double) expected.plannedMs / expected.knownMs);
            assertThat(total.get("teep").asDouble()).as(what).isEqualTo(expected.goodIdealMs / expected.knownMs);
        }
    }

    /** What the line's losses and reliability must come to, counted while the minutes are made. */
    private static final class Expected {
        long plannedMs;
        long stopMs;
        long stopsBegan;
        /** Run time of scheduled minutes: the OEE run that MTBF divides. */
        long runMs;
        /** Known time of every minute, scheduled or not, and good ideal time of the scheduled ones: TEEP's. */
        long knownMs;
        double goodIdealMs;
        long downStops;
        long endedDownStops;
        long endedDownMs;
    }

    /** 40 minutes around the range [from, to) of one machine, each minute's idle and down time given to stops. */
    private static void randomMinutes(PlantHistory history, String device, Random random, Instant from, Instant to,
                                      Expected expected) throws Exception {
        double idealCycleMs = 500 + random.nextInt(2500);
        Map<String, Instant> openStops = new HashMap<>();
        for (Instant bucket = from.minus(Duration.ofMinutes(5)); bucket.isBefore(to.plus(Duration.ofMinutes(5)));
             bucket = bucket.plus(Duration.ofMinutes(1))) {
            if (random.nextInt(20) == 0) {
                continue; // no row: the job has not written this minute
            }
            long known = random.nextInt(4) == 0 ? random.nextInt(60_001) : 60_000;
            long[] parts = split(known, 4, random);
            boolean scheduled = random.nextInt(5) > 0;
            long total = random.nextInt(41);
            long good = random.nextInt((int) total + 1);
            PlantHistory.Minute minute = history.minute(device, bucket.toString()).run(parts[0]).idle(parts[1])
                    .down(parts[2]).plannedStop(parts[3]).parts(total, good, idealCycleMs);
            if (!scheduled) {
                minute.unscheduled();
            }
            minute.write();
            boolean inRange = !bucket.isBefore(from) && bucket.isBefore(to);
            for (int state = 0; state < 2; state++) {
                long ms = parts[1 + state];
                String name = state == 0 ? "IDLE" : "DOWN";
                if (ms == 0) {
                    continue;
                }
                Instant stopStart = openStops.get(name);
                if (stopStart == null || random.nextInt(3) == 0) {
                    stopStart = bucket.plusSeconds(state * 30L + random.nextInt(30));
                    openStops.put(name, stopStart);
                    if (random.nextInt(10) > 0) {
                        String reason = random.nextInt(5) == 0 ? null : REASONS.get(random.nextInt(REASONS.size()));
                        Instant stopEnd = random.nextBoolean() ? null : stopStart.plusSeconds(1 + random.nextInt(600));
                        history.stop(device, name, reason, stopStart.toString(), stopEnd == null ? null : stopEnd.toString());
                        if (inRange) {
                            expected.stopsBegan++;
                        }
                        if (inRange && name.equals("DOWN")) {
                            expected.downStops++;
                            if (stopEnd != null && !stopEnd.isAfter(to)) {
                                expected.endedDownStops++;
                                expected.endedDownMs += Duration.between(stopStart, stopEnd).toMillis();
                            }
                        }
                    }
                }
                history.stopMinute(device, bucket.toString(), stopStart.toString(), ms);
                if (inRange && scheduled) {
                    expected.stopMs += ms;
                }
            }
            if (inRange && scheduled) {
                expected.plannedMs += known - parts[3];
                expected.runMs += parts[0];
                expected.goodIdealMs += idealCycleMs * good;
            }
            if (inRange) {
                expected.knownMs += known;
            }
        }
    }

    /** {@code total} cut at random into {@code n} parts. */
    private static long[] split(long total, int n, Random random) {
        List<Long> cuts = new ArrayList<>(List.of(0L, total));
        for (int i = 1; i < n; i++) {
            cuts.add((long) random.nextInt((int) total + 1));
        }
        cuts.sort(Long::compare);
        long[] parts = new long[n];
        for (int i = 0; i < n; i++) {
            parts[i] = cuts.get(i + 1) - cuts.get(i);
        }
        return parts;
    }

    private static void catalogue(TestApi.Org plant) {
        assertThat(server.call("PUT", "/stop-reasons", plant.adminToken(), Map.of("minorStopSeconds", 60, "reasons", List.of(
                Map.of("code", "jam", "name", "Jam", "category", "breakdown"),
                Map.of("code", "no_material", "name", "Material missing", "category", "material"),
                Map.of("code", "tool_change", "name", "Tool change", "category", "setup")))).status()).isEqualTo(200);
    }

    private static String categories(long breakdown, long setup, long material, long operator, long quality, long other,
                                       long minorStop, long unclassified) {
        Map<String, Long> ms = new LinkedHashMap<>();
        ms.put("breakdown", breakdown);
        ms.put("setup", setup);
        ms.put("material", material);
        ms.put("operator", operator);
        ms.put("quality", quality);
        ms.put("other", other);
        ms.put("minor_stop", minorStop);
        ms.put("unclassified", unclassified);
        return Json.write(ms);
    }
}
