package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Reports end to end: requested through the API, generated in the background, downloaded as CSV (with a login or
 * through the signed link of the ready mail), equal to what the API answers for the same range, limited per
 * organisation and range, and deleted when their time is up.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class ReportsIT {

    private static final String FROM = "2026-10-01T00:00:00Z";
    private static final String TO = "2026-10-31T00:00:00Z";
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static GreenMail mail;
    private static TestApi server;
    private static TestApi.Org org;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) throws Exception {
        mail = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        mail.start();
        server = TestApi.start(database, kafka, "--smtp-host=127.0.0.1", "--smtp-port=" + mail.getSmtp().getPort(),
                "--reports-per-org=2", "--report-retention-hours=72", "--report-link-ttl-s=3600");
        org = server.organisation(TestApi.uniqueSlug("reports"));
        for (String device : List.of("press-1", "press-2", "press-3")) {
            assertThat(server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", device)).status()).isEqualTo(201);
        }
        assertThat(server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "line-1", "name", "Line 1",
                "deviceIds", List.of("press-1", "press-2"))).status()).isEqualTo(201);
        // 30 days of two minutes an hour for each machine, through the procedure the OEE job calls, so the hours
        // and days hold the job's roll-ups; press-3 is not on the line.
        database.execute("DO $$ DECLARE t timestamptz; d text; i int := 0; BEGIN"
                + " FOREACH d IN ARRAY ARRAY['press-1', 'press-2', 'press-3'] LOOP"
                + " FOR t IN SELECT generate_series('" + FROM + "'::timestamptz, '" + TO + "'::timestamptz - interval '1 minute',"
                + " interval '30 minutes') LOOP i := i + 1;"
                + " CALL upsert_oee_minute('" + org.slug() + "', d, t, 60000, 30000 + (i % 7) * 4000, 20 + i % 5, 18 + i % 3,"
                + " 1000.0, (20 + i % 5) * 1000.0, (18 + i % 3) * 1000.0, NULL, NULL, NULL, NULL, false);"
                + " END LOOP; END LOOP; END $$");
        database.execute("INSERT INTO alerts (id, org_slug, device_id, rule_id, metric, severity, status, opened_at,"
                + " last_value, peak_value) VALUES (gen_random_uuid(), '" + org.slug() + "', 'press-1', 'hot', 'temperature',"
                + " 'MAJOR', 'ACTIVE', '2026-10-05T10:00:00Z', 91.5, 97.25), (gen_random_uuid(), '" + org.slug()
                + "', 'press-3', 'hot', 'temperature', 'CRITICAL', 'CLEARED', '2026-10-06T10:00:00Z', 80, 99)");
        assertThat(server.call("POST", "/notification-channels", org.adminToken(), Map.of("name", "mail", "type", "email",
                "settings", Map.of("to", List.of("duty@" + org.slug() + ".test")))).status()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        server.close();
        mail.stop();
    }

    @Test
    void a30DayOeeReportOfALineDownloadsWithTheTotalsTheApiAnswersAndItsLinkIsMailed() throws Exception {
        TestApi.Response requested = server.call("POST", "/reports", viewer(org), Map.of("type", "oee", "scope",
                "group", "groupId", "line-1", "from", FROM, "to", TO, "granularity", "1h", "format", "csv"));
        assertThat(requested.status()).isEqualTo(202);
        assertThat(requested.data().get("status").asText()).isEqualTo("queued");
        String reportId = requested.data().get("reportId").asText();

        JsonNode ready = awaitReady(reportId);
        assertThat(ready.get("rows").asLong()).isEqualTo(30 * 24 + 1);
        assertThat(ready.get("progress").asDouble()).isEqualTo(1.0);
        TestApi.BinaryResponse download = server.binary("GET", "/reports/" + reportId + "/download", viewer(org),
                null, Map.of());
        assertThat(download.status()).isEqualTo(200);
        assertThat(download.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
        assertThat(download.body()).hasSize(ready.get("sizeBytes").asInt());
        List<CSVRecord> rows = csv(download.body());
        assertThat(rows).hasSize(30 * 24 + 1);
        assertThat(rows.get(0).get("bucket_start")).isEqualTo(FROM);
        assertThat(rows.get(0).get("time_zone")).isEqualTo("UTC");

        JsonNode total = server.call("GET", "/analytics/oee?groupId=line-1&from=" + FROM + "&to=" + TO + "&granularity=1h",
                viewer(org), null).data().get("total");
        CSVRecord totalRow = rows.get(rows.size() - 1);
        assertThat(totalRow.get("kind")).isEqualTo("total");
        assertThat(totalRow.get("bucket_start")).isEmpty();
        for (String[] column : new String[][] {{"planned_ms", "plannedMs"}, {"run_ms", "runMs"},
                {"total_count", "totalCount"}, {"good_count", "goodCount"}, {"ideal_ms", "idealMs"},
                {"availability", "availability"}, {"performance", "performance"}, {"quality", "quality"}, {"oee", "oee"}}) {
            assertThat(Double.parseDouble(totalRow.get(column[0]))).as(column[0]).isEqualTo(total.get(column[1]).asDouble());
        }

        // The requester's mail: a signed link that works without a login, until it expires.
        String body = GreenMailUtil.getBody(await().atMost(WAIT).until(() -> List.of(mail.getReceivedMessages()),
                messages -> messages.stream().anyMatch(m -> subject(m).contains("report is ready"))).stream()
                .filter(m -> subject(m).contains("report is ready")).findFirst().orElseThrow());
        Matcher link = Pattern.compile("(http://\\S+/api/v1/report-download\\?token=[\\w.-]+)").matcher(body.replace("=\r\n", ""));
        assertThat(link.find()).as(body).isTrue();
        TestApi.BinaryResponse viaLink = server.binary("GET", link.group(1), null, null, Map.of());
        assertThat(viaLink.status()).isEqualTo(200);
        assertThat(viaLink.body()).isEqualTo(download.body());
        server.clock.advance(Duration.ofMinutes(61));
        assertThat(server.binary("GET", link.group(1), null, null, Map.of()).status()).isEqualTo(401);
    }

    @Test
    void alertAndTelemetryReportsHoldTheirRowsForTheScopeOnly() throws Exception {
        server.database.execute("INSERT INTO telemetry_1m (org_slug, device_id, metric, bucket_start, count, min, max, avg,"
                + " stddev) VALUES ('" + org.slug() + "', 'press-1', 'temperature', '2026-10-02T10:00:00Z', 6, 80, 90, 85, 2),"
                + " ('" + org.slug() + "', 'press-1', 'temperature', '2026-10-02T10:01:00Z', 6, 70, 95, 82.5, 3),"
                + " ('" + org.slug() + "', 'press-3', 'temperature', '2026-10-02T10:00:00Z', 6, 1, 2, 1.5, 0.5)");
        // Text a spreadsheet would run as a formula (an address may well begin with one of = + - @); numbers stay numbers.
        server.database.execute("UPDATE alerts SET acknowledged_by = '=HYPERLINK(\"http://evil.test\")@x.test',"
                + " resolved_by = '@SUM(1)', rule_id = '+hot', last_value = -3.5 WHERE org_slug = '" + org.slug()
                + "' AND device_id = 'press-1'");
        String alerts = server.call("POST", "/reports", viewer(org), Map.of("type", "alerts", "scope", "device",
                "deviceId", "press-1", "from", FROM, "to", TO)).data().get("reportId").asText();
        String telemetry = server.call("POST", "/reports", viewer(org), Map.of("type", "telemetry", "scope",
                "group", "groupId", "line-1", "from", FROM, "to", TO, "granularity", "1h")).data().get("reportId").asText();

        awaitReady(alerts);
        List<CSVRecord> alertRows = csv(server.binary("GET", "/reports/" + alerts + "/download", viewer(org), null,
                Map.of()).body());
        assertThat(alertRows).singleElement().satisfies(row -> {
            assertThat(row.get("device_id")).isEqualTo("press-1");
            assertThat(row.get("opened_at")).isEqualTo("2026-10-05T10:00:00Z");
            assertThat(row.get("peak_value")).isEqualTo("97.25");
            assertThat(row.get("cleared_at")).isEmpty();
            assertThat(row.get("acknowledged_by")).isEqualTo("'=HYPERLINK(\"http://evil.test\")@x.test");
            assertThat(row.get("resolved_by")).isEqualTo("'@SUM(1)");
            assertThat(row.get("rule_id")).isEqualTo("'+hot");
            assertThat(row.get("last_value")).isEqualTo("-3.5");
        });
        awaitReady(telemetry);
        List<CSVRecord> telemetryRows = csv(server.binary("GET", "/reports/" + telemetry + "/download", viewer(org),
                null, Map.of()).body());
        JsonNode hour = server.call("GET", "/telemetry?deviceId=press-1&metric=temperature&from=" + FROM + "&to=" + TO
                + "&resolution=1h", viewer(org), null).data().get("series").get(0);
        assertThat(telemetryRows).singleElement().satisfies(row -> {
            assertThat(row.get("bucket_start")).isEqualTo("2026-10-02T10:00:00Z");
            assertThat(row.get("count")).isEqualTo("12");
            assertThat(Double.parseDouble(row.get("avg"))).isEqualTo(hour.get("avg").asDouble());
            assertThat(Double.parseDouble(row.get("stddev"))).isEqualTo(hour.get("stddev").asDouble());
        });
    }

    @Test
    void requestsAreCheckedAndLimitedPerOrganisation() {
        TestApi.Response tooLong = server.call("POST", "/reports", viewer(org), Map.of("type", "oee", "scope",
                "organisation", "from", "2026-01-01T00:00:00Z", "to", "2026-03-01T00:00:00Z", "granularity", "1m"));
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.body().get("error").get("details")).extracting(JsonNode::asText)
                .contains("the range may be at most 31 days with granularity 1m");
        TestApi.Response wrong = server.call("POST", "/reports", viewer(org), Map.of("type", "oee", "scope", "group",
                "groupId", "no-such-line", "from", "2026-10-01T00:30:00Z", "to", TO));
        assertThat(wrong.body().get("error").get("details")).extracting(JsonNode::asText).contains(
                "granularity is required for oee reports: 1m, 1h or 1d", "group no-such-line is not one of this organisation's");

        TestApi.Org other = server.organisation(TestApi.uniqueSlug("reports-other"));
        Map<String, Object> day = Map.of("type", "alerts", "scope", "organisation", "from", FROM, "to", TO);
        int accepted = 0;
        int refused = 0;
        for (int i = 0; i < 6; i++) {
            int status = server.call("POST", "/reports", viewer(other), day).status();
            accepted += status == 202 ? 1 : 0;
            refused += status == 429 ? 1 : 0;
        }
        assertThat(accepted).as("at most 2 queued or running; the rest 429").isBetween(2, 5);
        assertThat(accepted + refused).isEqualTo(6);
        String theirs = server.call("GET", "/reports", viewer(other), null).data().get(0).get("reportId").asText();
        assertThat(server.call("GET", "/reports/" + theirs, viewer(org), null).status()).isEqualTo(404);
    }

    @Test
    void aReportIsDeletedWhenItsTimeIsUp() {
        String reportId = server.call("POST", "/reports", viewer(org), Map.of("type", "alerts", "scope",
                "organisation", "from", FROM, "to", TO)).data().get("reportId").asText();
        awaitReady(reportId);
        server.clock.advance(Duration.ofHours(73));
        await().atMost(WAIT).until(() -> server.call("GET", "/reports/" + reportId, viewer(org), null).status() == 404);
        assertThat(server.binary("GET", "/reports/" + reportId + "/download", viewer(org), null, Map.of()).status())
                .isEqualTo(404);
    }

    private static JsonNode awaitReady(String reportId) {
        return await().atMost(WAIT).until(() -> server.call("GET", "/reports/" + reportId, viewer(org), null).data(),
                report -> {
                    assertThat(report.get("status").asText()).isNotEqualTo("failed");
                    return report.get("status").asText().equals("ready");
                });
    }

    /** A fresh token: tests move the clock past a token's lifetime. */
    private static String viewer(TestApi.Org owner) {
        return server.login("viewer@" + owner.slug() + ".test", TestApi.PASSWORD).data().get("accessToken").asText();
    }

    private static List<CSVRecord> csv(byte[] body) throws Exception {
        return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()
                .parse(new StringReader(new String(body, StandardCharsets.UTF_8))).getRecords();
    }

    private static String subject(jakarta.mail.Message message) {
        try {
            return message.getSubject();
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }
}
