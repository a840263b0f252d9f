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
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
    /** A short lease, so a query that runs longer than it is quick to reproduce. */
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final int MAX_ATTEMPTS = 3;

    private static GreenMail mail;
    private static TestApi server;
    private static TestApi.Org org;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) throws Exception {
        mail = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        mail.start();
        server = TestApi.start(database, kafka, "--smtp-host=127.0.0.1", "--smtp-port=" + mail.getSmtp().getPort(),
                "--reports-per-org=2", "--report-retention-hours=72", "--report-link-ttl-s=3600",
                "--report-lease-s=" + LEASE.toSeconds(), "--report-max-attempts=" + MAX_ATTEMPTS);
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
        String minute = "CALL upsert_telemetry_minute('" + org.slug() + "', '%s', 'temperature', '%s', 6, %s);";
        server.database.execute(minute.formatted("press-1", "2026-10-02T10:00:00Z", "80, 90, 85, 2")
                + minute.formatted("press-1", "2026-10-02T10:01:00Z", "70, 95, 82.5, 3")
                + minute.formatted("press-3", "2026-10-02T10:00:00Z", "1, 2, 1.5, 0.5"));
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
    void requestsAreCheckedAndLimitedPerOrganisation(TestDatabase database) throws SQLException {
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
        // Two of its reports running on another server (their leases have not run out, so this one does not take them
        // up): the organisation is at its limit whatever this server's workers do meanwhile. Counting 202s among quick
        // requests instead raced the workers (a machine slow enough for each report to finish between two requests
        // accepted all six).
        database.execute("INSERT INTO reports (report_id, org_slug, requested_by, requester_email, type, scope, range_from,"
                + " range_to, granularity, format, status, lease_until, created_at, expires_at, attempts)"
                + " SELECT gen_random_uuid(), '" + other.slug() + "', gen_random_uuid(), 'elsewhere@example.com', 'alerts',"
                + " 'organisation', '" + FROM + "', '" + TO + "', '1d', 'csv', 'running', now() + interval '1 hour', now(),"
                + " now() + interval '1 day', 1 FROM generate_series(1, 2)");
        Map<String, Object> day = Map.of("type", "alerts", "scope", "organisation", "from", FROM, "to", TO);
        for (int i = 0; i < 3; i++) {
            assertThat(server.call("POST", "/reports", viewer(other), day).status()).as("beyond 2 running").isEqualTo(429);
        }
        database.execute("UPDATE reports SET status = 'failed', lease_until = NULL WHERE report_id ="
                + " (SELECT report_id FROM reports WHERE org_slug = '" + other.slug() + "' LIMIT 1)");
        assertThat(server.call("POST", "/reports", viewer(other), day).status()).as("one running").isEqualTo(202);
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

    @Test
    void aReportWhoseQueryOutlastsItsLeaseIsGeneratedOnceAndEndsReady() throws Exception {
        String reportId;
        try (Connection lock = server.database.connect()) {
            lock.setAutoCommit(false);
            try (Statement statement = lock.createStatement()) {
                // The report's query waits for the table: no row comes for three leases.
                statement.execute("LOCK TABLE alerts IN ACCESS EXCLUSIVE MODE");
            }
            reportId = server.call("POST", "/reports", viewer(org), Map.of("type", "alerts", "scope", "organisation",
                    "from", FROM, "to", TO)).data().get("reportId").asText();
            await().atMost(WAIT).until(() -> report(reportId).get("status").asText().equals("running"));
            await().during(LEASE.multipliedBy(3)).atMost(LEASE.multipliedBy(4))
                    .until(() -> report(reportId).get("status").asText().equals("running"));
            lock.commit();
        }

        awaitReady(reportId);
        // A second generator, had it started, would fail on the first one's chunks and turn the report failed.
        JsonNode ready = await().during(LEASE.multipliedBy(2)).atMost(LEASE.multipliedBy(3)).until(() -> report(reportId),
                report -> report.get("status").asText().equals("ready"));
        assertThat(ready.get("attempts").asInt()).as("started once: its server renewed the lease").isEqualTo(1);
        assertThat(csv(server.binary("GET", "/reports/" + reportId + "/download", viewer(org), null, Map.of()).body()))
                .hasSize(2);
    }

    @Test
    void aReportWhoseServerStoppedAtEveryAttemptFailsSayingSo() throws Exception {
        String reportId = UUID.randomUUID().toString();
        // Started as often as it may be, each time by a server that stopped before it was done: its lease ran out.
        server.database.execute("INSERT INTO reports (report_id, org_slug, requested_by, requester_email, type, scope,"
                + " range_from, range_to, granularity, format, status, attempts, lease_until, created_at, started_at,"
                + " expires_at) VALUES ('" + reportId + "', '" + org.slug() + "', '" + org.adminId() + "', 'admin@"
                + org.slug() + ".test', 'alerts', 'organisation', '" + FROM + "', '" + TO + "', '1h', 'csv', 'running', "
                + MAX_ATTEMPTS + ", now() - interval '1 second', now(), now(), now() + interval '30 days')");

        JsonNode failed = await().atMost(WAIT).until(() -> report(reportId),
                report -> !report.get("status").asText().equals("running"));
        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.get("error").asText()).contains("started " + MAX_ATTEMPTS + " times");
        assertThat(failed.get("attempts").asInt()).isEqualTo(MAX_ATTEMPTS);
    }

    @Test
    void theReadyMailIsSentThroughTheOutboxAndRetriedWhileTheMailServerIsDown() throws Exception {
        int port = mail.getSmtp().getPort();
        mail.stop();
        String reportId;
        try {
            reportId = server.call("POST", "/reports", viewer(org), Map.of("type", "alerts", "scope", "organisation",
                    "from", FROM, "to", TO)).data().get("reportId").asText();
            awaitReady(reportId);
            JsonNode failedOnce = await().atMost(WAIT).until(() -> readyMail(reportId),
                    delivery -> delivery.isPresent() && delivery.get().get("lastError").isTextual()).orElseThrow();
            assertThat(failedOnce.get("status").asText()).isEqualTo("pending");
            assertThat(failedOnce.get("attempts").asInt()).isEqualTo(1);
        } finally {
            mail = new GreenMail(ServerSetupTest.SMTP.port(port));
            mail.start();
        }

        server.clock.advance(Duration.ofMinutes(1)); // past the retry's pause
        jakarta.mail.Message sent = await().atMost(WAIT).until(() -> List.of(mail.getReceivedMessages()),
                messages -> !messages.isEmpty()).get(0);
        assertThat(subject(sent)).contains("report is ready");
        assertThat(sent.getAllRecipients()[0].toString()).isEqualTo("viewer@" + org.slug() + ".test");
        assertThat(GreenMailUtil.getBody(sent).replace("=\r\n", "")).contains("/api/v1/report-download?token=");
        await().atMost(WAIT).until(() -> readyMail(reportId).orElseThrow().get("status").asText().equals("delivered"));
    }

    /** The report-ready mail of {@code reportId} in the organisation's delivery log. */
    private static java.util.Optional<JsonNode> readyMail(String reportId) {
        String admin = server.login("admin@" + org.slug() + ".test", TestApi.PASSWORD).data().get("accessToken").asText();
        JsonNode deliveries = server.call("GET", "/notification-deliveries?eventType=report.ready", admin, null).data();
        return java.util.stream.StreamSupport.stream(deliveries.spliterator(), false)
                .filter(delivery -> delivery.get("eventId").asText().contains(reportId)).findFirst();
    }

    private static JsonNode report(String reportId) {
        return server.call("GET", "/reports/" + reportId, viewer(org), null).data();
    }

    private static JsonNode awaitReady(String reportId) {
        return server.awaitReport(reportId, () -> viewer(org), WAIT);
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
