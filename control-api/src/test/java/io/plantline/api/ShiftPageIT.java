package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.testing.HeadlessChromium;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A line's shift page in a real browser, for an organisation in Asia/Kolkata (half an hour off UTC's hours): the
 * early shift of Monday 23 November 2026 (06:00-14:00 local, 00:30-08:30 UTC, a break 10:00-10:30) of a line of two
 * presses, its OEE, loss waterfall and Pareto worked by hand, the machines' stops on a timeline, and an unclassified
 * stop classified in place; the current shift of a line with a calendar of its own; and the OEE page's losses over
 * the same day. The shift page's screenshot
 * ({@code target/console-screenshots/shift.png}) is the one in the README.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class ShiftPageIT {

    private static final String ZONE = "Asia/Kolkata";
    private static final String SHIFT_PAGE = "#/shift/line-1?day=2026-11-23&shift=Early";
    private static final Instant SHIFT_START = Instant.parse("2026-11-23T00:30:00Z");
    private static final Instant SHIFT_END = Instant.parse("2026-11-23T08:30:00Z");
    private static final Instant BREAK_START = Instant.parse("2026-11-23T04:30:00Z");
    private static final Instant BREAK_END = Instant.parse("2026-11-23T05:00:00Z");
    private static final String UNCLASSIFIED_START = "2026-11-23T05:30:00Z";
    /** Parts a minute of running makes at the ideal cycle time of 1 s: performance 80 %. */
    private static final int PARTS_PER_MINUTE = 48;
    private static final List<PlantStop> STOPS = List.of(
            new PlantStop("press-1", "DOWN", "jam", "2026-11-23T01:00:00Z", "2026-11-23T01:20:00Z"),
            new PlantStop("press-1", "IDLE", "no_material", "2026-11-23T03:00:00Z", "2026-11-23T03:10:00Z"),
            new PlantStop("press-1", "DOWN", null, UNCLASSIFIED_START, "2026-11-23T05:45:00Z"),
            new PlantStop("press-1", "IDLE", null, "2026-11-23T06:00:00Z", "2026-11-23T06:00:30Z"),
            new PlantStop("press-2", "DOWN", "tool_change", "2026-11-23T02:00:00Z", "2026-11-23T02:30:00Z"),
            new PlantStop("press-2", "DOWN", "jam", "2026-11-23T07:00:00Z", "2026-11-23T07:05:00Z"));

    private static TestApi server;
    private static TestApi.Org org;
    private WebDriver browser;
    private ConsoleBrowser console;

    record PlantStop(String deviceId, String state, String reason, String startedAt, String endedAt) {

        /** The stop's milliseconds within the minute at {@code minute}. */
        long msIn(Instant minute) {
            long from = Math.max(Instant.parse(startedAt).toEpochMilli(), minute.toEpochMilli());
            long to = Math.min(Instant.parse(endedAt).toEpochMilli(), minute.plusSeconds(60).toEpochMilli());
            return Math.max(0, to - from);
        }
    }

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) throws Exception {
        Assumptions.assumeTrue(HeadlessChromium.installed(), HeadlessChromium.MISSING);
        server = TestApi.start(database, kafka);
        org = server.organisation(TestApi.uniqueSlug("shift"));
        database.execute("UPDATE organisations SET time_zone = '" + ZONE + "' WHERE slug = '" + org.slug() + "'");
        for (String device : List.of("press-1", "press-2")) {
            assertThat(server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", device, "name",
                    "Press " + device.substring(device.length() - 1))).status()).isEqualTo(201);
            // The settings the stored minutes were made with, so a rewrite the calendar asks for changes none of them.
            assertThat(server.call("PUT", "/devices/" + device + "/settings", org.adminToken(), Map.of(
                    "idealCycleSeconds", 1, "effectiveFrom", "2026-11-01T00:00:00Z")).status()).isEqualTo(200);
        }
        assertThat(server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "line-1", "name", "Line 1",
                "deviceIds", List.of("press-1", "press-2"))).status()).isEqualTo(201);
        assertThat(server.call("PUT", "/calendar", org.adminToken(), Map.of("effectiveFrom", "2026-11-01T00:00:00Z",
                "shifts", List.of(
                        Map.of("name", "Early", "days", List.of("MON", "TUE", "WED", "THU", "FRI"), "start", "06:00",
                                "end", "14:00", "breaks", List.of(Map.of("start", "10:00", "end", "10:30"))),
                        Map.of("name", "Late", "days", List.of("MON", "TUE", "WED", "THU", "FRI"), "start", "14:00",
                                "end", "22:00")))).status()).isEqualTo(200);
        // A line of its own calendar, which its machine follows instead of the organisation's: a shift from 06:00 to 05:00.
        assertThat(server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", "oven-1")).status()).isEqualTo(201);
        assertThat(server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "line-2", "name", "Line 2",
                "deviceIds", List.of("oven-1"))).status()).isEqualTo(201);
        assertThat(server.call("PUT", "/groups/line-2/calendar", org.adminToken(), Map.of("effectiveFrom",
                "2026-11-01T00:00:00Z", "shifts", List.of(Map.of("name", "Round the clock", "days", List.of("MON", "TUE",
                        "WED", "THU", "FRI", "SAT", "SUN"), "start", "06:00", "end", "05:00")))).status()).isEqualTo(200);
        assertThat(server.call("PUT", "/stop-reasons", org.adminToken(), Map.of("minorStopSeconds", 60, "reasons", List.of(
                Map.of("code", "jam", "name", "Jam", "category", "breakdown"),
                Map.of("code", "no_material", "name", "Material missing", "category", "material"),
                Map.of("code", "tool_change", "name", "Tool change", "category", "setup")))).status()).isEqualTo(200);
        try (PlantHistory plant = new PlantHistory(database, org.slug())) {
            writeShift(plant);
        }
    }

    /** Every scheduled minute of the shift on both presses: running but for its stops, 48 parts a running minute, 2 in 48 bad. */
    private static void writeShift(PlantHistory plant) throws SQLException {
        for (PlantStop stop : STOPS) {
            plant.stop(stop.deviceId(), stop.state(), stop.reason(), stop.startedAt(), stop.endedAt());
        }
        for (String device : List.of("press-1", "press-2")) {
            for (Instant minute = SHIFT_START; minute.isBefore(SHIFT_END); minute = minute.plusSeconds(60)) {
                if (!minute.isBefore(BREAK_START) && minute.isBefore(BREAK_END)) {
                    continue;
                }
                long down = 0;
                long idle = 0;
                for (PlantStop stop : STOPS) {
                    long ms = stop.deviceId().equals(device) ? stop.msIn(minute) : 0;
                    if (ms > 0) {
                        plant.stopMinute(device, minute.toString(), stop.startedAt(), ms);
                        down += stop.state().equals("DOWN") ? ms : 0;
                        idle += stop.state().equals("IDLE") ? ms : 0;
                    }
                }
                long run = 60_000 - down - idle;
                long total = run * PARTS_PER_MINUTE / 60_000;
                plant.minute(device, minute.toString()).run(run).down(down).idle(idle)
                        .parts(total, total - total / 24, 1000.0).write();
            }
        }
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
        // Tall enough for the whole shift page in one screenshot.
        browser.manage().window().setSize(new Dimension(1280, 1400));
        console = new ConsoleBrowser(browser, server::consoleUrl);
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    /**
     * Planned: 450 scheduled minutes on each press, 54 000 000 ms. Stops: press-1 jam 20 min, material 10, unclassified
     * 15, a minor stop of 30 s; press-2 tool change 30, jam 5: 80.5 min. Run 819.5 min; parts 19 416 + 19 920 at 1 s
     * ideal: 655.6 min; good 18 607 + 19 090: 628.3 min. So A = 91.1 %, P = 80.0 %, Q = 95.8 %, OEE = 69.8 %; speed
     * loss 163.9 min, quality loss 27.3 min; 900 - 80.5 - 163.9 - 27.3 = 628.3.
     */
    @Test
    void theShiftPageShowsTheShiftsFiguresAndAnOperatorClassifiesAStopInPlace() {
        console.login(org.slug(), "operator");
        console.open(SHIFT_PAGE);
        console.waitForText(By.id("shift-oee"), "69.8 %", ConsoleBrowser.WAIT);
        assertThat(console.textOf(By.id("shift-range"))).contains("Early", "23 Nov, 06:00:00", "23 Nov, 14:00:00");
        assertThat(console.textOf(By.id("shift-availability"))).isEqualTo("91.1 %");
        assertThat(console.textOf(By.id("shift-performance"))).isEqualTo("80.0 %");
        assertThat(console.textOf(By.id("shift-quality"))).isEqualTo("95.8 %");
        assertThat(waterfall()).containsExactly("planned time 900.0 min", "− breakdown 25.0 min", "− setup 30.0 min",
                "− material 10.0 min", "− minor stops 0.5 min", "− unclassified 15.0 min", "− speed loss 163.9 min",
                "− quality loss 27.3 min", "fully productive 628.3 min");
        assertThat(pareto()).containsExactly("Tool change 30.0 min 1", "Jam 25.0 min 2", "no reason 15.5 min 2",
                "Material missing 10.0 min 1");
        WebElement jam = console.waitFor(By.cssSelector("[data-device='press-2'] .segment[data-started='2026-11-23T07:00:00Z']"));
        assertThat(jam.getAttribute("title")).isEqualTo("down: Jam (breakdown), 12:30:00–12:35:00, 5 min");
        assertThat(browser.findElements(By.cssSelector("[data-device='press-1'] .segment.break"))).hasSize(1);
        console.screenshot("shift");

        console.click(By.cssSelector("#unclassified button[data-started='" + UNCLASSIFIED_START + "']"));
        new Select(console.waitFor(By.id("ask-choice"))).selectByValue("jam");
        browser.findElement(By.id("ask-comment")).sendKeys("feeder jammed");
        browser.findElement(By.id("ask-confirm")).click();

        console.waitForText(By.id("unclassified"), "Every stop of this shift has a reason", ConsoleBrowser.WAIT);
        // The Pareto is empty for a moment while the page draws again.
        new WebDriverWait(browser, ConsoleBrowser.WAIT).until(driver -> pareto().stream().findFirst()
                .filter("Jam 40.0 min 3"::equals).isPresent());
        assertThat(waterfall()).contains("− breakdown 40.0 min").doesNotContain("− unclassified 15.0 min");
        assertThat(console.waitFor(By.cssSelector("[data-device='press-1'] .segment[data-started='" + UNCLASSIFIED_START
                + "']")).getAttribute("title")).startsWith("down: Jam (breakdown), 11:00:00–11:15:00");
        JsonNode stop = server.call("GET", "/stops?deviceId=press-1&from=" + UNCLASSIFIED_START + "&to=2026-11-23T05:31:00Z",
                org.viewerToken(), null).data().get(0);
        assertThat(stop.get("reasonCode").asText()).isEqualTo("jam");
        assertThat(stop.get("category").asText()).isEqualTo("breakdown");
        assertThat(stop.at("/classification/comment").asText()).isEqualTo("feeder jammed");
        assertThat(stop.at("/classification/classifiedBy").asText()).isEqualTo("operator@" + org.slug() + ".test");
    }

    /**
     * A viewer sees the same page, on a tablet's width without scrolling sideways, without a way to classify; no shift
     * starts on a Sunday of this calendar.
     */
    @Test
    void aViewerReadsTheShiftButCannotClassify() {
        browser.manage().window().setSize(new Dimension(1024, 768));
        console.login(org.slug(), "viewer");
        console.open(SHIFT_PAGE);
        console.waitForText(By.id("shift-oee"), "%", ConsoleBrowser.WAIT);
        console.waitFor(By.cssSelector("#waterfall-table"));
        console.waitFor(By.cssSelector("#loss-pareto"));
        assertThat(browser.findElements(By.cssSelector("#unclassified button"))).isEmpty();
        Number overflow = (Number) ((JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertThat(overflow.intValue()).isLessThanOrEqualTo(0);
        assertThat(new Select(browser.findElement(By.id("shift-name"))).getOptions()).extracting(WebElement::getText)
                .containsExactly("Early", "Late");
        console.choose(By.id("shift-day"), "2026-11-22");
        console.waitForText(By.id("shift-range"), "No shift starts on this day", ConsoleBrowser.WAIT);
    }

    /** Without a day the page opens the shift running now, else the latest one begun: here of the line's own calendar. */
    @Test
    void withoutADayThePageOpensTheLinesCurrentShift() {
        console.login(org.slug(), "viewer");
        console.open("#/shift/line-2");
        console.waitForText(By.id("shift-range"), "Round the clock", ConsoleBrowser.WAIT);
        LocalDateTime now = LocalDateTime.now(ZoneId.of(ZONE));
        LocalDate begun = now.getHour() < 6 ? now.toLocalDate().minusDays(1) : now.toLocalDate();
        assertThat(browser.findElement(By.id("shift-day")).getAttribute("value")).isEqualTo(begun.toString());
        assertThat(new Select(browser.findElement(By.id("shift-name"))).getOptions()).extracting(WebElement::getText)
                .containsExactly("Round the clock");
        // A running shift's range ends in the future: its figures are those of the minutes so far (none here).
        assertThat(console.waitFor(By.cssSelector("#waterfall-table [data-step='planned']")).getText()).contains("0.0 min");
        assertThat(console.textOf(By.id("shift-oee"))).isEqualTo("–");
        assertThat(console.textOf(By.id("status"))).isEmpty();
    }

    /** The OEE page's losses over the day of the shift: the stop loss per category and the Pareto of reasons. */
    @Test
    void theOeePageShowsTheRangesLosses() {
        console.login(org.slug(), "viewer");
        console.open("#/oee");
        new Select(console.waitFor(By.id("oee-range"))).selectByVisibleText("chosen days…");
        console.choose(By.id("oee-from"), "2026-11-23");
        console.choose(By.id("oee-to"), "2026-11-23");
        console.waitForText(By.id("loss-categories"), "setup 30.0 min", ConsoleBrowser.WAIT);
        assertThat(console.textOf(By.id("loss-categories"))).contains("speed loss 163.9 min", "quality loss 27.3 min");
        assertThat(console.textOf(By.cssSelector("#loss-pareto [data-reason='tool_change']"))).startsWith("Tool change 30.0 min 1");
        new WebDriverWait(browser, ConsoleBrowser.WAIT).until(ExpectedConditions.visibilityOfElementLocated(By.id("pareto-chart")));
    }

    private List<String> waterfall() {
        return rows(By.cssSelector("#waterfall-table tbody tr"));
    }

    /** Each reason's name, lost time and stops, in the order shown. */
    private List<String> pareto() {
        return rows(By.cssSelector("#loss-pareto tbody tr")).stream()
                .map(row -> row.substring(0, row.lastIndexOf(' ', row.lastIndexOf(' ') - 1))).toList();
    }

    private List<String> rows(By rows) {
        return new WebDriverWait(browser, ConsoleBrowser.WAIT).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(driver -> driver.findElements(rows).stream().map(WebElement::getText).toList());
    }
}
