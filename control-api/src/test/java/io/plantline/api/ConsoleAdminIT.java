package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.testing.HeadlessChromium;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chromium.HasCdp;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console's pages of a plant admin, in a real browser against the real API: notification channels with their
 * health, subscriptions and the delivery log; reports requested, followed and downloaded; users invited, their role
 * changed, disabled. The organisation is in Kolkata's zone. The server has no SMTP server and tries a message once,
 * so a mail channel's test message fails at once, as a broken channel's would.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class ConsoleAdminIT {

    private static final String ZONE = "Asia/Kolkata";

    private static TestApi server;
    private static TestApi.Org org;
    private WebDriver browser;
    private ConsoleBrowser console;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) throws Exception {
        Assumptions.assumeTrue(HeadlessChromium.installed(), HeadlessChromium.MISSING);
        server = TestApi.start(database, kafka, "--notify-max-attempts=1");
        org = server.organisation(TestApi.uniqueSlug("admin-pages"));
        database.execute("UPDATE organisations SET time_zone = '" + ZONE + "' WHERE slug = '" + org.slug() + "'");
        for (String device : List.of("press-1", "press-2")) {
            assertThat(server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", device)).status())
                    .isEqualTo(201);
        }
        assertThat(server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "line-1", "name", "Line 1",
                "deviceIds", List.of("press-1", "press-2"))).status()).isEqualTo(201);
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
        console = new ConsoleBrowser(browser, server::consoleUrl);
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    /**
     * An admin adds a mail channel and subscribes it to alerts; its test messages fail (no SMTP server) and show in the
     * delivery log with their error, and after three failures in a row the channel shows as unhealthy.
     */
    @Test
    void anAdminManagesChannelsAndSubscriptionsAndSeesDeliveriesAndChannelHealth() throws Exception {
        console.login(org.slug(), "admin");
        console.open("#/notifications");
        console.waitFor(By.id("channel-name")).sendKeys("Night shift");
        new Select(browser.findElement(By.id("channel-type"))).selectByVisibleText("email");
        browser.findElement(By.id("channel-target")).sendKeys("night@plant.test, lead@plant.test");
        browser.findElement(By.id("channel-save")).click();
        By channel = By.cssSelector("[data-channel-name='Night shift']");
        assertThat(console.waitForText(channel, "healthy", ConsoleBrowser.WAIT))
                .contains("email", "night@plant.test, lead@plant.test");

        new Select(console.waitFor(By.id("subscription-channel"))).selectByVisibleText("Night shift");
        browser.findElement(By.cssSelector("#subscription-form input[value='alert.opened']")).click();
        browser.findElement(By.cssSelector("#subscription-form input[value='device.offline']")).click();
        new Select(browser.findElement(By.id("subscription-severity"))).selectByVisibleText("MAJOR");
        new Select(browser.findElement(By.id("subscription-group"))).selectByVisibleText("Line 1");
        browser.findElement(By.id("subscription-save")).click();
        assertThat(console.waitForText(By.id("subscriptions"), "Night shift", ConsoleBrowser.WAIT))
                .contains("alert.opened, device.offline", "MAJOR", "Line 1");

        for (int sent = 1; sent <= 3; sent++) {
            console.click(By.cssSelector("[data-channel-name='Night shift'] button[data-test]"));
            assertThat(console.waitForText(By.id("deliveries-page"), "(" + sent + " deliver", ConsoleBrowser.WAIT))
                    .isNotEmpty();
        }
        assertThat(console.waitForText(By.id("deliveries"), "no SMTP server is configured", ConsoleBrowser.WAIT))
                .contains("test", "failed");
        assertThat(console.waitForText(channel, "unhealthy", ConsoleBrowser.WAIT))
                .contains("3 failures in a row", "no SMTP server is configured");
        console.screenshot("notifications");

        console.click(By.cssSelector("#subscriptions button[data-delete-subscription]"));
        console.waitFor(By.id("ask-confirm")).click();
        console.waitForText(By.id("subscriptions-section"), "No subscriptions", ConsoleBrowser.WAIT);
        assertThat(server.call("GET", "/notification-subscriptions", org.adminToken(), null).data()).isEmpty();
    }

    /** A viewer requests an alerts report of chosen days, sees it become ready and downloads its file. */
    @Test
    void aViewerRequestsAReportFollowsItAndDownloadsIt() throws Exception {
        UUID alertId = TestAlerts.open(server, org.slug(), "press-2", 88.5);
        Path downloads = Files.createTempDirectory("report-downloads");
        ((HasCdp) browser).executeCdpCommand("Browser.setDownloadBehavior", Map.of("behavior", "allow",
                "downloadPath", downloads.toAbsolutePath().toString()));
        console.login(org.slug(), "viewer");
        console.open("#/reports");
        new Select(console.waitFor(By.id("report-type"))).selectByVisibleText("alerts");
        LocalDate today = LocalDate.now(ZoneId.of(ZONE));
        console.choose(By.id("report-from"), today.minusDays(1).toString());
        console.choose(By.id("report-to"), today.toString());
        browser.findElement(By.id("report-request")).click();
        By row = By.cssSelector("#reports tbody tr");
        assertThat(console.waitForText(row, "ready", ConsoleBrowser.WAIT))
                .contains("alerts", "organisation", today.minusDays(1).toString(), today.toString(), "100 %", "1 row");
        console.screenshot("reports");

        console.click(By.cssSelector("#reports button[data-download]"));
        Path file = new WebDriverWait(browser, ConsoleBrowser.WAIT).until(driver -> {
            try (var listing = Files.list(downloads)) {
                return listing.filter(path -> path.toString().endsWith(".csv")).findFirst().orElse(null);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(file.getFileName().toString()).startsWith("report-");
        assertThat(Files.readString(file)).contains(alertId.toString(), "press-2");
    }

    /**
     * With a calendar of one shift every day, a viewer requests a shifts report of the last three days: a line per
     * shift, each named and dated in the organisation's zone.
     */
    @Test
    void aViewerRequestsAShiftReportOfTheOrganisationsCalendar() {
        // An organisation of its own, so its calendar and report meet no other test's.
        TestApi.Org plant = server.organisation(TestApi.uniqueSlug("shift-report"));
        assertThat(server.call("PATCH", "/organisation", plant.adminToken(), Map.of("timeZone", ZONE)).status())
                .isEqualTo(200);
        LocalDate today = LocalDate.now(ZoneId.of(ZONE));
        assertThat(server.call("PUT", "/calendar", plant.adminToken(), Map.of("shifts", List.of(Map.of("name", "Day",
                "days", List.of("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"), "start", "06:00", "end", "14:00",
                "breaks", List.of())), "holidays", List.of(), "effectiveFrom", today.minusDays(10)
                .atStartOfDay(ZoneId.of(ZONE)).toInstant().toString())).status()).isEqualTo(200);
        console.login(plant.slug(), "viewer");
        console.open("#/reports");
        new Select(console.waitFor(By.id("report-type"))).selectByValue("shifts");
        assertThat(browser.findElement(By.id("report-granularity")).isEnabled()).isFalse();
        console.choose(By.id("report-from"), today.minusDays(3).toString());
        console.choose(By.id("report-to"), today.minusDays(1).toString());
        browser.findElement(By.id("report-request")).click();
        assertThat(console.waitForText(By.cssSelector("#reports tbody tr"), "ready", ConsoleBrowser.WAIT))
                .contains("shifts", "shift", today.minusDays(3).toString(), today.minusDays(1).toString(), "3 rows");
    }

    /** An admin invites a user, makes them an operator, then disables them: they can no longer log in. */
    @Test
    void anAdminInvitesAUserChangesTheirRoleAndDisablesThem() throws Exception {
        String email = "new.hand@" + org.slug() + ".test";
        console.login(org.slug(), "admin");
        console.open("#/users");
        console.waitFor(By.id("user-email")).sendKeys(email);
        browser.findElement(By.id("user-name")).sendKeys("New Hand");
        new Select(browser.findElement(By.id("user-role"))).selectByVisibleText("viewer");
        browser.findElement(By.id("user-password")).sendKeys("first password 1");
        browser.findElement(By.id("user-invite")).click();
        By row = By.cssSelector("[data-user-email='" + email + "']");
        assertThat(console.waitForText(row, "New Hand", ConsoleBrowser.WAIT)).contains("active");
        assertThat(new Select(browser.findElement(By.cssSelector("[data-user-email='" + email + "'] select")))
                .getFirstSelectedOption().getText()).isEqualTo("viewer");

        new Select(browser.findElement(By.cssSelector("[data-user-email='" + email + "'] select")))
                .selectByVisibleText("operator");
        console.waitForText(By.id("status"), "is now operator", ConsoleBrowser.WAIT);
        assertThat(server.login(email, "first password 1").data().get("user").get("role").asText()).isEqualTo("operator");

        console.click(By.cssSelector("[data-user-email='" + email + "'] button[data-disable]"));
        console.waitFor(By.id("ask-confirm")).click();
        assertThat(console.waitForText(row, "disabled", ConsoleBrowser.WAIT)).contains("enable");
        assertThat(server.login(email, "first password 1").status()).isEqualTo(401);
        console.screenshot("users");
        assertThat(browser.findElements(By.cssSelector("[data-user-email='admin@" + org.slug() + ".test'] button[data-disable]")))
                .as("an admin does not disable themself").isEmpty();
    }

    /** Users and notifications are an admin's: an operator is not offered them. */
    @Test
    void anOperatorIsNotOfferedTheAdminPages() {
        console.login(org.slug(), "operator");
        new WebDriverWait(browser, ConsoleBrowser.WAIT).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#nav a[data-page='reports']")));
        assertThat(browser.findElement(By.cssSelector("#nav a[data-page='users']")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.cssSelector("#nav a[data-page='notifications']")).isDisplayed()).isFalse();
    }
}
