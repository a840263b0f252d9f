package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.AlertEvent;
import io.plantline.model.AlertStatus;
import io.plantline.model.AlertTransition;
import io.plantline.model.DeviceRef;
import io.plantline.model.Severity;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import io.plantline.testing.HeadlessChromium;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser (headless Chromium from Debian, driven by Selenium) against the real API on
 * embedded Kafka and PostgreSQL: logging in as each role, the overview filling in, an alert arriving live and being
 * acknowledged, the OEE chart, and an expired session returning to the login. Screenshots of each page go to
 * {@code target/console-screenshots}. Without Chromium the class is skipped, saying how to install it.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class ConsoleIT {

    private static final Duration WAIT = ConsoleBrowser.WAIT;
    private static final String ZONE = "Asia/Kolkata";
    /** ECharts' first series colour, the OEE line's. */
    private static final java.awt.Color OEE_COLOUR = new java.awt.Color(0x54, 0x70, 0xc6);

    private static TestApi server;
    private static TestApi.Org org;
    private WebDriver browser;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) throws Exception {
        Assumptions.assumeTrue(HeadlessChromium.installed(), HeadlessChromium.MISSING);
        server = TestApi.start(database, kafka);
        org = server.organisation(TestApi.uniqueSlug("console"));
        for (String device : List.of("press-1", "press-2", "oven-1")) {
            assertThat(server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", device, "name",
                    "Machine " + device)).status()).isEqualTo(201);
        }
        assertThat(server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "line-1", "name", "Line 1",
                "deviceIds", List.of("press-1", "press-2", "oven-1"))).status()).isEqualTo(201);
        // A zone half an hour off UTC's hours and days: the organisation's days start at 18:30 UTC.
        database.execute("UPDATE organisations SET time_zone = '" + ZONE + "' WHERE slug = '" + org.slug() + "'");
        assertThat(server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "lathe-9", "name",
                "Lathe of a day")).status()).isEqualTo(201);
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        database.execute("UPDATE devices SET online = true, last_seen_at = now(), machine_state = 'RUNNING',"
                + " machine_state_since = now() WHERE org_slug = '" + org.slug() + "' AND device_id <> 'oven-1'");
        // Minutes of the last hours and days, through the procedure the OEE job calls (so hours and days exist too).
        database.execute("DO $$ DECLARE t timestamptz; BEGIN FOR t IN SELECT generate_series(timestamptz '" + hour
                + "' - interval '29 days', timestamptz '" + hour + "', interval '3 hours') LOOP"
                + " CALL upsert_oee_minute('" + org.slug() + "', 'press-1', t, 60000, 54000, 50, 45, 1000.0, 50000.0,"
                + " 45000.0, NULL, NULL, NULL, NULL, false); END LOOP; END $$");
        // A machine of a day: one minute of OEE, so one point in any range.
        database.execute("CALL upsert_oee_minute('" + org.slug() + "', 'lathe-9', '" + hour.minus(Duration.ofHours(2))
                + "', 60000, 30000, 25, 20, 1000.0, 25000.0, 20000.0, NULL, NULL, NULL, NULL, false)");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void openBrowser() {
        browser = HeadlessChromium.start();
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void theOverviewShowsEachLinesOeeAndItsMachinesStates() throws Exception {
        login("viewer");
        WebElement line = waitFor(By.cssSelector("[data-line='line-1']"));
        assertThat(line.findElement(By.cssSelector(".oee")).getText()).isEqualTo("75.0 %");
        assertThat(line.findElement(By.cssSelector("[data-device='press-1'] .state")).getText()).isEqualTo("running");
        assertThat(line.findElement(By.cssSelector("[data-device='press-1'] .machine-oee")).getText()).isEqualTo("75.0 %");
        assertThat(line.findElement(By.cssSelector("[data-device='press-2'] .machine-oee")).getText()).isEqualTo("–");
        assertThat(line.findElement(By.cssSelector("[data-device='oven-1']")).getText()).contains("offline");
        screenshot("overview");
    }

    /** On a tablet (1024 px wide) every page, an admin's too, fits the width: nothing to scroll sideways. */
    @Test
    void everyPageFitsATabletsWidth() throws Exception {
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1024, 768));
        login("admin");
        for (String page : List.of("overview", "alerts", "oee", "devices", "rules", "rollouts", "reports", "notifications",
                "users")) {
            browser.get(server.consoleUrl() + "#/" + page);
            waitFor(By.cssSelector("main h1"));
            new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class)
                    .until(driver -> !driver.findElement(By.id("page")).getText().contains("Loading"));
            Number overflow = (Number) ((JavascriptExecutor) browser).executeScript(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
            assertThat(overflow.intValue()).as(page).isLessThanOrEqualTo(0);
        }
        browser.get(server.consoleUrl() + "#/overview");
        waitFor(By.cssSelector("[data-line='line-1'] .machine-oee"));
        screenshot("overview-tablet");
    }

    @Test
    void anAlertArrivesLiveAndAnOperatorAcknowledgesItWhileAViewerOnlyReadsIt() throws Exception {
        login("viewer");
        browser.get(server.consoleUrl() + "#/alerts");
        console().waitForText(By.id("live"), "live", WAIT);
        UUID alertId = openAlert("press-2", 96.5);
        By row = By.cssSelector("[data-alert='" + alertId + "']");
        waitFor(row);
        assertThat(textOf(row)).contains("press-2", "MAJOR", "active", "96.5");
        assertThat(browser.findElements(By.cssSelector("[data-alert='" + alertId + "'] button")))
                .as("a viewer gets no actions").isEmpty();

        browser.findElement(By.id("logout")).click();
        login("operator");
        browser.get(server.consoleUrl() + "#/alerts");
        click(By.cssSelector("[data-alert='" + alertId + "'] button[data-action='acknowledge']"));
        waitFor(By.id("ask-comment")).sendKeys("not me");
        browser.findElement(By.id("ask-cancel")).click();
        new WebDriverWait(browser, WAIT).until(ExpectedConditions.invisibilityOfElementLocated(By.id("ask-dialog")));
        assertThat(textOf(row)).as("cancelled: still active").contains("active");
        assertThat(server.database.query("SELECT status FROM alerts WHERE id = '" + alertId + "'"))
                .containsExactly(Map.of("status", "ACTIVE"));
        click(By.cssSelector("[data-alert='" + alertId + "'] button[data-action='acknowledge']"));
        waitFor(By.id("ask-comment")).sendKeys("on my way");
        browser.findElement(By.id("ask-confirm")).click();
        new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).until(ExpectedConditions.attributeToBe(
                By.cssSelector("[data-alert='" + alertId + "']"), "data-status", "ACKNOWLEDGED"));
        screenshot("alerts");
        assertThat(server.database.query("SELECT acknowledged_by, comment FROM alerts WHERE id = '" + alertId + "'"))
                .containsExactly(Map.of("acknowledged_by", "operator@" + org.slug() + ".test", "comment", "on my way"));
    }

    @Test
    void theOeeChartDrawsThirtyDaysOfALine() throws Exception {
        login("admin");
        browser.get(server.consoleUrl() + "#/oee");
        new WebDriverWait(browser, WAIT).until(driver -> driver.findElement(By.id("oee-total")).getText().contains("OEE 75.0 %"));
        assertThat(browser.findElement(By.id("oee-total")).getText()).contains("availability 90.0 %", "quality 90.0 %");
        WebElement chart = browser.findElement(By.id("oee-chart"));
        new WebDriverWait(browser, WAIT).until(driver -> ChartPixels.of(chart).below(60).countNear(OEE_COLOUR) > 100);
        screenshot("oee-trends");
    }

    /** Days of the organisation's choosing, by day or by hour; a range too fine for its length says so. */
    @Test
    void theOeePageDrawsChosenDays() throws Exception {
        login("viewer");
        browser.get(server.consoleUrl() + "#/oee");
        new Select(waitFor(By.id("oee-range"))).selectByVisibleText("chosen days…");
        java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneId.of(ZONE));
        console().choose(By.id("oee-from"), today.minusDays(6).toString());
        console().choose(By.id("oee-to"), today.toString());
        console().waitForText(By.id("oee-total"), "OEE 75.0 %", WAIT);
        new Select(browser.findElement(By.id("oee-granularity"))).selectByVisibleText("minute");
        console().waitForText(By.id("oee-total"), "use a coarser one", WAIT);
        new Select(browser.findElement(By.id("oee-granularity"))).selectByVisibleText("hour");
        console().waitForText(By.id("oee-total"), "OEE 75.0 %", WAIT);
        WebElement chart = browser.findElement(By.id("oee-chart"));
        new WebDriverWait(browser, WAIT).until(driver -> ChartPixels.of(chart).below(60).countNear(OEE_COLOUR) > 0);
    }

    /** A machine with one minute of OEE: its one point is drawn, in the OEE series' colour, below the legend. */
    @Test
    void aSinglePointIsDrawn() throws Exception {
        login("viewer");
        browser.get(server.consoleUrl() + "#/oee");
        new Select(waitFor(By.id("oee-scope"))).selectByVisibleText("Lathe of a day");
        new WebDriverWait(browser, WAIT).until(driver -> driver.findElement(By.id("oee-total")).getText().contains("OEE 33.3 %"));
        WebElement chart = browser.findElement(By.id("oee-chart"));
        new WebDriverWait(browser, WAIT).until(driver -> ChartPixels.of(chart).below(60).countNear(OEE_COLOUR) > 0);
        screenshot("oee-single-point");
    }

    /** A DEVICE_OFFLINE alert says how long its device has been silent, from its last message (opening - limit). */
    @Test
    void anOfflineAlertSaysHowLongTheDeviceHasBeenSilent() throws Exception {
        UUID alertId = UUID.randomUUID();
        server.database.execute("INSERT INTO alerts (id, org_slug, device_id, rule_id, metric, severity, status, opened_at,"
                + " last_value, peak_value) VALUES ('" + alertId + "', '" + org.slug() + "', 'oven-1', 'DEVICE_OFFLINE',"
                + " 'heartbeat', 'MAJOR', 'ACTIVE', now() - interval '10 minutes 30 seconds', 90, 90)");
        login("viewer");
        browser.get(server.consoleUrl() + "#/alerts");
        String row = textOf(By.cssSelector("[data-alert='" + alertId + "']"));
        assertThat(row).contains("oven-1", "silent for 12 min").doesNotContain("90 (90)");
    }

    @Test
    void anAdminSeesTheRulesFieldErrorsAtTheFieldsAndSavesTheCorrectedRule() throws Exception {
        login("admin");
        browser.get(server.consoleUrl() + "#/rules");
        waitFor(By.id("rule-ruleId")).sendKeys("too-hot");
        browser.findElement(By.id("rule-metric")).sendKeys("temperature");
        browser.findElement(By.id("rule-save")).click();
        assertThat(waitFor(By.id("error-threshold")).getText()).isEqualTo("threshold is required");
        browser.findElement(By.id("rule-threshold")).sendKeys("95");
        browser.findElement(By.id("rule-save")).click();
        WebElement general = browser.findElement(By.cssSelector("#rule-form .form-error"));
        new WebDriverWait(browser, WAIT).until(driver -> !general.getText().isEmpty());
        assertThat(general.getText()).isEqualTo("exactly one of forSeconds and count is required");
        assertThat(browser.findElement(By.id("error-threshold")).getText()).isEmpty();
        screenshot("rules");
        browser.findElement(By.id("rule-forSeconds")).sendKeys("10");
        browser.findElement(By.id("rule-save")).click();
        assertThat(waitFor(By.cssSelector("[data-rule='too-hot']")).getText()).contains("temperature > 95", "for 10 s");
    }

    /** The form's PUT replaces the rule: an edit of its threshold keeps its escalation and keeps it disabled. */
    @Test
    void editingARuleKeepsItsEscalationAndKeepsItDisabled() throws Exception {
        assertThat(server.call("POST", "/rules", org.adminToken(), Map.of("ruleId", "slow-belt", "scope",
                Map.of("type", "ORGANISATION"), "metric", "speed", "operator", "<", "threshold", 2, "forSeconds", 30,
                "severity", "WARNING", "escalation", Map.of("afterSeconds", 300, "severity", "CRITICAL"), "enabled", false))
                .status()).isEqualTo(201);
        login("admin");
        browser.get(server.consoleUrl() + "#/rules");
        click(By.cssSelector("[data-rule='slow-belt'] button[data-edit]"));
        WebElement threshold = waitFor(By.id("rule-threshold"));
        threshold.clear();
        threshold.sendKeys("1.5");
        browser.findElement(By.id("rule-save")).click();
        new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).until(driver ->
                driver.findElement(By.cssSelector("[data-rule='slow-belt']")).getText().contains("speed < 1.5"));
        assertThat(textOf(By.cssSelector("[data-rule='slow-belt']"))).contains("to CRITICAL after 300 s no");
        TestApi.Response rule = server.call("GET", "/rules/slow-belt", org.adminToken(), null);
        assertThat(rule.data().get("enabled").asBoolean()).isFalse();
        assertThat(rule.data().get("escalation").toString()).isEqualTo("{\"afterSeconds\":300,\"severity\":\"CRITICAL\"}");
    }

    @Test
    void anAdminDisablesAndDeletesARule() throws Exception {
        assertThat(server.call("POST", "/rules", org.adminToken(), Map.of("ruleId", "noisy", "scope",
                Map.of("type", "ORGANISATION"), "metric", "vibration", "operator", ">", "threshold", 7, "count", 3,
                "severity", "INFO")).status()).isEqualTo(201);
        login("admin");
        browser.get(server.consoleUrl() + "#/rules");
        By noisy = By.cssSelector("[data-rule='noisy']");
        click(By.cssSelector("[data-rule='noisy'] button[data-toggle]"));
        assertThat(console().waitForText(noisy, "enable", WAIT)).contains("vibration > 7 3 readings", "INFO – no");
        assertThat(server.call("GET", "/rules/noisy", org.adminToken(), null).data().get("enabled").asBoolean()).isFalse();
        click(By.cssSelector("[data-rule='noisy'] button[data-delete]"));
        assertThat(waitFor(By.id("ask-question")).getText()).startsWith("Delete rule noisy?");
        browser.findElement(By.id("ask-confirm")).click();
        new WebDriverWait(browser, WAIT).until(ExpectedConditions.numberOfElementsToBe(noisy, 0));
        assertThat(server.call("GET", "/rules/noisy", org.adminToken(), null).status()).isEqualTo(404);
    }

    @Test
    void aViewerCannotChangeRulesOrRollOuts() throws Exception {
        login("viewer");
        browser.get(server.consoleUrl() + "#/rules");
        waitFor(By.tagName("h1"));
        assertThat(browser.findElements(By.id("rule-form"))).isEmpty();
        browser.get(server.consoleUrl() + "#/rollouts");
        waitFor(By.xpath("//h2[text()='Firmware images']"));
        assertThat(browser.findElements(By.id("upload-form"))).isEmpty();
    }

    @Test
    void aDevicesPageListsTheMachinesAndChartsAMetricWithItsAnomalies() throws Exception {
        Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        for (int i = 1; i <= 30; i++) {
            server.database.execute("INSERT INTO telemetry_1m (org_slug, device_id, metric, bucket_start, count, min, max,"
                    + " avg, stddev) VALUES ('" + org.slug() + "', 'press-2', 'temperature', '" + minute.minusSeconds(60L * i)
                    + "', 6, 60, 70, " + (60 + i % 7) + ", 1) ON CONFLICT DO NOTHING");
        }
        server.database.execute("INSERT INTO anomalies (org_slug, device_id, metric, ts, value, score, method) VALUES ('"
                + org.slug() + "', 'press-2', 'temperature', '" + minute.minusSeconds(600) + "', 99, 6.5, 'zscore')"
                + " ON CONFLICT DO NOTHING");
        login("viewer");
        browser.get(server.consoleUrl() + "#/devices");
        assertThat(waitFor(By.id("devices")).getText()).contains("Machine press-1", "Machine press-2", "Machine oven-1");
        browser.findElement(By.linkText("Machine press-2")).click();
        new WebDriverWait(browser, WAIT).until(driver -> "1".equals(driver.findElement(By.id("telemetry-chart"))
                .getDomAttribute("data-anomalies")));
        assertThat(Integer.parseInt(browser.findElement(By.id("telemetry-chart")).getDomAttribute("data-points")))
                .isEqualTo(30);
        screenshot("device");
    }

    @Test
    void anOperatorStartsARollOutAndFollowsItToTheEnd() throws Exception {
        String version = "3.0.0";
        java.nio.file.Path image = java.nio.file.Files.createTempFile("firmware", ".bin");
        java.nio.file.Files.write(image, new byte[] {1, 2, 3, 4});
        login("operator");
        browser.get(server.consoleUrl() + "#/rollouts");
        waitFor(By.id("upload-version")).sendKeys(version);
        browser.findElement(By.id("upload-file")).sendKeys(image.toAbsolutePath().toString());
        click(By.cssSelector("#upload-form button"));
        // The list is redrawn after the upload: wait for the new image (the old list may be there still).
        assertThat(console().waitForText(By.id("firmware"), version, WAIT)).contains("4 B");
        waitFor(By.id("rollout-stage-size")).clear();
        browser.findElement(By.id("rollout-stage-size")).sendKeys("3");
        browser.findElement(By.id("rollout-start")).click();
        WebElement sent = waitFor(By.cssSelector("[data-count='SENT']"));
        new WebDriverWait(browser, WAIT).until(driver -> sent.isDisplayed() && "3".equals(
                driver.findElement(By.cssSelector("[data-count='SENT']")).getText()));
        String deploymentId = browser.getCurrentUrl().replaceFirst(".*#/rollouts/", "");
        click(By.id("rollout-cancel"));
        assertThat(waitFor(By.id("ask-question")).getText()).startsWith("Cancel roll-out " + deploymentId + "?");
        browser.findElement(By.id("ask-cancel")).click();
        new WebDriverWait(browser, WAIT).until(ExpectedConditions.invisibilityOfElementLocated(By.id("ask-dialog")));
        assertThat(server.database.query("SELECT status FROM ota_deployments WHERE deployment_id = '" + deploymentId + "'"))
                .as("dismissed: still running").containsExactly(Map.of("status", "RUNNING"));
        server.database.execute("UPDATE ota_targets SET state = 'SUCCEEDED', state_since = now() WHERE org_slug = '"
                + org.slug() + "' AND deployment_id = '" + deploymentId + "'");
        // The roll-out's page draws itself again as its targets change: the status found may be gone when read.
        new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).until(ExpectedConditions
                .attributeToBe(By.id("rollout-status"), "data-status", "COMPLETED"));
        assertThat(browser.findElement(By.cssSelector("[data-count='SUCCEEDED']")).getText()).isEqualTo("3");
        screenshot("rollout");
    }

    @Test
    void aSessionThatCannotBeRefreshedReturnsToTheLoginWithAMessage() throws Exception {
        login("viewer");
        ((JavascriptExecutor) browser).executeScript("sessionStorage.setItem('plantline.session', JSON.stringify({"
                + "accessToken: 'expired', refreshToken: 'revoked', user: {email: 'x', role: 'viewer'}}))");
        browser.get(server.consoleUrl() + "#/alerts");
        assertThat(waitFor(By.id("login-notice")).getText()).contains("session has expired");
        screenshot("login");
    }

    /**
     * A plant of 101 lines: the overview pages them (20 a page, as many as one socket follows); on the first page's
     * 60 machines a burst of readings does not crowd out their state changes; a machine of the last page follows its
     * state, link and last seen live (a DEVICE_OFFLINE alert takes it offline).
     */
    @Test
    void theOverviewFollowsALargePlantLivePageByPage() throws Exception {
        String big = TestApi.uniqueSlug("big");
        TestApi.Org plant = server.organisation(big);
        server.database.execute("UPDATE organisations SET time_zone = '" + ZONE + "' WHERE slug = '" + big + "'");
        List<String> firstPage = new java.util.ArrayList<>();
        for (int line = 1; line <= 101; line++) {
            List<String> machines = new java.util.ArrayList<>();
            for (int machine = 1; machine <= (line <= 20 ? 3 : 1); machine++) {
                String deviceId = String.format("m-%03d-%d", line, machine);
                assertThat(server.call("POST", "/devices", plant.operatorToken(), Map.of("deviceId", deviceId)).status())
                        .isEqualTo(201);
                machines.add(deviceId);
            }
            if (line <= 20) {
                firstPage.addAll(machines);
            }
            assertThat(server.call("POST", "/groups", plant.operatorToken(), Map.of("groupId", String.format("line-%03d", line),
                    "name", "Line " + line, "deviceIds", machines)).status()).isEqualTo(201);
        }
        console().login(big, "viewer");
        console().waitForText(By.id("live"), "live", WAIT);
        assertThat(textOf(By.id("lines-page"))).isEqualTo("lines page 1 of 6 (101 lines)");

        List<Map.Entry<String, byte[]>> readings = new java.util.ArrayList<>();
        List<Map.Entry<String, byte[]>> states = new java.util.ArrayList<>();
        for (String deviceId : firstPage) {
            for (int i = 0; i < 10; i++) {
                readings.add(Map.entry(big + "/" + deviceId, deviceRecord(big, deviceId, Instant.now(),
                        "\"kind\":\"telemetry\",\"metrics\":{\"temperature\":" + i + "}")));
            }
            states.add(Map.entry(big + "/" + deviceId, deviceRecord(big, deviceId, Instant.now(), "\"kind\":\"state\",\"state\":\"DOWN\"")));
        }
        server.kafka.produceAll(Topics.TELEMETRY, readings);
        server.kafka.produceAll(Topics.MACHINE_EVENTS, states);
        new WebDriverWait(browser, WAIT).until(driver -> driver.findElements(By.cssSelector(".state.DOWN")).size() == 60);

        for (int page = 2; page <= 6; page++) {
            click(By.id("lines-next"));
            console().waitForText(By.id("lines-page"), "lines page " + page + " of 6", WAIT);
        }
        console().waitForText(By.id("live"), "live", WAIT);
        By last = By.cssSelector("[data-device='m-101-1']");
        assertThat(textOf(last)).contains("unknown", "offline");
        Instant seen = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        server.kafka.produce(Topics.MACHINE_EVENTS, big + "/m-101-1", deviceRecord(big, "m-101-1", seen,
                "\"kind\":\"state\",\"state\":\"RUNNING\""));
        assertThat(console().waitForText(last, "running", WAIT)).contains("online", shown(seen));
        UUID offline = UUID.randomUUID();
        server.kafka.produce(Topics.ALERTS, big + "/m-101-1", RecordJson.write(new AlertEvent(offline.toString(),
                new DeviceRef(big, "m-101-1"), "DEVICE_OFFLINE", "heartbeat", Severity.MAJOR, AlertStatus.ACTIVE,
                AlertTransition.OPENED, Instant.now(), Instant.now(), Optional.of(90.0), Optional.of(90.0), Optional.empty())));
        assertThat(console().waitForText(last, "offline", WAIT)).contains("MAJOR");
        screenshot("overview-last-page");

        browser.get(server.consoleUrl() + "#/devices");
        new Select(waitFor(By.id("device-group"))).selectByVisibleText("Line 101");
        assertThat(console().waitForText(By.id("devices"), "m-101-1", WAIT)).doesNotContain("m-100-1");
    }

    /** A device message in its Kafka form, as the bridge writes it; {@code fields}: its kind and what the kind holds. */
    private static byte[] deviceRecord(String orgSlug, String deviceId, Instant ts, String fields) {
        return ("{\"org\":\"" + orgSlug + "\",\"device\":\"" + deviceId + "\",\"ts\":\"" + ts + "\"," + fields + "}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Alerts filtered by line and by device, paged, and two acknowledged at once with one comment. */
    @Test
    void anOperatorFiltersAndPagesAlertsAndAcknowledgesSeveralAtOnce() throws Exception {
        UUID press = TestAlerts.open(server, org.slug(), "press-1", 91.0);
        UUID oven = TestAlerts.open(server, org.slug(), "oven-1", 92.0);
        UUID lathe = TestAlerts.open(server, org.slug(), "lathe-9", 93.0);
        server.database.execute("INSERT INTO alerts (id, org_slug, device_id, rule_id, metric, severity, status, opened_at,"
                + " last_value, peak_value) SELECT gen_random_uuid(), '" + org.slug() + "', 'lathe-9', 'old-' || i, 'speed',"
                + " 'INFO', 'RESOLVED', now() - i * interval '1 hour', 1, 1 FROM generate_series(1, 55) AS i");
        login("operator");
        browser.get(server.consoleUrl() + "#/alerts");
        new Select(waitFor(By.id("alert-line"))).selectByVisibleText("Line 1");
        console().waitForText(By.id("alerts"), "oven-1", WAIT);
        // Not on line 1: gone once the filtered list is drawn (the unfiltered one holds oven-1 too).
        new WebDriverWait(browser, WAIT).until(ExpectedConditions.numberOfElementsToBe(
                By.cssSelector("[data-alert='" + lathe + "']"), 0));

        click(By.cssSelector("[data-select='" + press + "']"));
        click(By.cssSelector("[data-select='" + oven + "']"));
        click(By.id("acknowledge-selected"));
        waitFor(By.id("ask-comment")).sendKeys("both seen");
        browser.findElement(By.id("ask-confirm")).click();
        assertThat(console().waitForText(By.id("status"), "2 alerts acknowledged", WAIT)).isNotEmpty();
        assertThat(textOf(By.cssSelector("[data-alert='" + press + "']"))).contains("acknowledged");
        assertThat(textOf(By.cssSelector("[data-alert='" + oven + "']"))).contains("acknowledged");
        assertThat(server.database.query("SELECT status, comment FROM alerts WHERE id IN ('" + press + "', '" + oven + "')"))
                .containsOnly(Map.of("status", "ACKNOWLEDGED", "comment", "both seen"));

        new Select(browser.findElement(By.id("alert-line"))).selectByVisibleText("any");
        new Select(browser.findElement(By.id("alert-status"))).selectByVisibleText("all");
        browser.findElement(By.id("alert-device")).sendKeys("lathe-9\t");
        // Waits for the device's count: the list is drawn for each filter as it changes (all of them are 58).
        assertThat(console().waitForText(By.id("alerts-page"), "(56 alerts)", WAIT)).isEqualTo("page 1 of 2 (56 alerts)");
        click(By.id("alerts-next"));
        console().waitForText(By.id("alerts-page"), "page 2 of 2", WAIT);
        assertThat(browser.findElements(By.cssSelector("#alerts tbody tr"))).hasSize(6);
        screenshot("alerts-filtered");
    }

    /**
     * An alert's page: its history (opened, escalated, acknowledged) in the organisation's time and its comments, opened
     * from its link before logging in (as a mail gives it) and from the list; an operator resolves it there with a
     * second comment, shown after the first.
     */
    @Test
    void anAlertsPageShowsItsHistoryAndCommentFromItsLinkAndFromTheList() throws Exception {
        UUID alertId = openAlert("press-1", 97.5);
        Instant opened = Instant.now().minus(Duration.ofMinutes(40)).truncatedTo(ChronoUnit.SECONDS);
        Instant escalated = opened.plus(Duration.ofMinutes(5));
        server.database.execute("UPDATE alerts SET opened_at = '" + opened + "', escalated_at = '" + escalated
                + "', severity = 'CRITICAL' WHERE id = '" + alertId + "'");
        assertThat(server.call("POST", "/alerts/" + alertId + "/acknowledge", org.operatorToken(),
                Map.of("comment", "checking the cooler")).status()).isEqualTo(200);

        console().open("#/alerts/" + alertId);
        console().loginOnThisPage(org.slug(), "viewer");
        String history = console().waitForText(By.id("alert-history"), "acknowledged", WAIT);
        assertThat(history).contains(shown(opened) + " opened", shown(escalated) + " escalated to CRITICAL",
                "acknowledged by operator@" + org.slug() + ".test");
        assertThat(textOf(By.id("alert-comments"))).contains("operator@" + org.slug() + ".test", "checking the cooler");
        assertThat(textOf(By.id("alert-summary"))).contains("press-1", "hot", "temperature", "CRITICAL", "acknowledged");
        screenshot("alert");

        browser.get(server.consoleUrl() + "#/alerts");
        click(By.cssSelector("[data-alert='" + alertId + "'] a"));
        console().waitForText(By.id("alert-history"), "checking the cooler", WAIT);
        assertThat(browser.getCurrentUrl()).endsWith("#/alerts/" + alertId);

        browser.findElement(By.id("logout")).click();
        login("operator");
        browser.get(server.consoleUrl() + "#/alerts/" + alertId);
        click(By.id("alert-resolve"));
        waitFor(By.id("ask-comment")).sendKeys("cooler replaced");
        browser.findElement(By.id("ask-confirm")).click();
        console().waitForText(By.id("alert-history"), "resolved by operator@" + org.slug() + ".test", WAIT);
        assertThat(browser.findElements(By.cssSelector("#alert-comments li"))).as("every comment, oldest first")
                .extracting(WebElement::getText).satisfiesExactly(
                        first -> assertThat(first).contains("operator@" + org.slug() + ".test", "checking the cooler"),
                        second -> assertThat(second).contains("operator@" + org.slug() + ".test", "cooler replaced"));
        assertThat(browser.findElements(By.id("alert-resolve"))).as("nothing left to do").isEmpty();
    }

    /** Devices found by part of their id or name, a search of many paged. */
    @Test
    void devicesAreFoundByIdOrNameAndPaged() throws Exception {
        for (int i = 1; i <= 30; i++) {
            assertThat(server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", String.format("welder-%02d", i),
                    "name", "Spot welder " + i)).status()).isEqualTo(201);
        }
        login("viewer");
        browser.get(server.consoleUrl() + "#/devices");
        waitFor(By.id("device-search")).sendKeys("PRESS\t");
        console().waitForText(By.id("devices-page"), "(2 devices)", WAIT);
        assertThat(textOf(By.id("devices"))).contains("Machine press-1", "Machine press-2").doesNotContain("oven-1");
        WebElement search = browser.findElement(By.id("device-search"));
        search.clear();
        search.sendKeys("of a day\t");
        console().waitForText(By.id("devices-page"), "(1 device)", WAIT);
        assertThat(textOf(By.id("devices"))).contains("Lathe of a day");
        search.clear();
        search.sendKeys("spot weld\t");
        assertThat(console().waitForText(By.id("devices-page"), "(30 devices)", WAIT)).isEqualTo("page 1 of 2 (30 devices)");
        click(By.id("devices-next"));
        console().waitForText(By.id("devices-page"), "page 2 of 2", WAIT);
        assertThat(browser.findElements(By.cssSelector("#devices tbody tr"))).hasSize(5);
        assertThat(textOf(By.id("devices"))).contains("Spot welder 30");
        screenshot("devices-search");
    }

    /**
     * Rules and firmware images a page at a time (25 a page), where a list was cut at one fixed page; a change on the
     * second page redraws that page. These rules sort after the other tests' and the images are the oldest, so those
     * tests find theirs on the first page.
     */
    @Test
    void rulesAndFirmwareImagesAreListedPageByPage() throws Exception {
        for (int i = 1; i <= 26; i++) {
            assertThat(server.call("POST", "/rules", org.adminToken(), Map.of("ruleId", String.format("zz-paged-%02d", i),
                    "scope", Map.of("type", "ORGANISATION"), "metric", "pressure", "operator", ">", "threshold", i, "count", 2,
                    "severity", "INFO")).status()).isEqualTo(201);
            assertThat(server.binary("POST", String.format("/ota/firmware?version=1.%02d", i), org.operatorToken(),
                    new byte[] {(byte) i}, Map.of("Content-Type", "application/octet-stream")).status()).isEqualTo(201);
        }
        // The server's clock stands still: the images are given hours apart, before any other test's, newest last.
        server.database.execute("UPDATE firmware SET created_at = now() - (100 - substr(version, 3)::int) * interval '1 hour'"
                + " WHERE org_slug = '" + org.slug() + "' AND version LIKE '1.__'");
        login("admin");
        browser.get(server.consoleUrl() + "#/rules");
        console().waitForText(By.id("rules-page"), "page 1 of 2", WAIT);
        assertThat(textOf(By.id("rules"))).contains("zz-paged-01").doesNotContain("zz-paged-26");
        click(By.id("rules-next"));
        console().waitForText(By.id("rules-page"), "page 2 of 2", WAIT);
        click(By.cssSelector("[data-rule='zz-paged-26'] button[data-toggle]"));
        assertThat(console().waitForText(By.cssSelector("[data-rule='zz-paged-26']"), "enable", WAIT)).contains("INFO – no");
        assertThat(textOf(By.id("rules-page"))).startsWith("page 2 of 2");

        browser.get(server.consoleUrl() + "#/rollouts");
        console().waitForText(By.id("firmware-page"), "page 1 of 2", WAIT);
        assertThat(textOf(By.id("firmware"))).contains("1.26").doesNotContain("1.01");
        click(By.id("firmware-next"));
        console().waitForText(By.id("firmware-page"), "page 2 of 2", WAIT);
        assertThat(textOf(By.id("firmware"))).contains("1.01").doesNotContain("1.26");
        screenshot("rollouts-paged");
    }

    /** A page module loads on its own: it does not pull in the shell ({@code app.js}), which would start routing. */
    @Test
    void pageModulesLoadWithoutTheShell() {
        browser.get(server.consoleUrl() + "console/styles.css");
        for (String page : List.of("overview", "alerts", "oee", "devices", "rules", "rollouts", "reports", "notifications",
                "users", "login")) {
            Object loaded = ((JavascriptExecutor) browser).executeAsyncScript("const done = arguments[arguments.length - 1];"
                    + " import('/console/pages/" + page + ".js').then(() => done(performance.getEntriesByType('resource')"
                    + ".map(entry => new URL(entry.name).pathname)), error => done('failed: ' + error));");
            assertThat(loaded).as(page).asInstanceOf(InstanceOfAssertFactories.LIST)
                    .contains("/console/pages/" + page + ".js").doesNotContain("/console/app.js");
        }
    }

    /** An instant as the console shows it, in the organisation's zone. */
    private static String shown(Instant instant) {
        return java.time.format.DateTimeFormatter.ofPattern("dd MMM, HH:mm:ss", java.util.Locale.UK)
                .withZone(java.time.ZoneId.of(ZONE)).format(instant);
    }

    private void login(String role) {
        console().login(org.slug(), role);
    }

    private UUID openAlert(String deviceId, double value) throws Exception {
        return TestAlerts.open(server, org.slug(), deviceId, value);
    }

    private String textOf(By element) {
        return console().textOf(element);
    }

    private void click(By element) {
        console().click(element);
    }

    private WebElement waitFor(By element) {
        return console().waitFor(element);
    }

    private void screenshot(String page) {
        console().screenshot(page);
    }

    private ConsoleBrowser console() {
        return new ConsoleBrowser(browser, server::consoleUrl);
    }
}
