package io.plantline.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.testing.HeadlessChromium;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console on the whole local stack, as a new user meets it: the printed address, the simulated plant's
 * overview filling in from the jobs, and an alert the analytics job opens after a breach arriving live in the
 * browser, acknowledged there.
 */
class LocalConsoleIT {

    private static final String PASSWORD = "local console password";
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

    @TempDir
    Path dataDir;

    @Test
    void aBreachInTheSimulatedPlantShowsLiveInTheConsoleAndIsAcknowledgedThere() throws Exception {
        Assumptions.assumeTrue(HeadlessChromium.installed(), HeadlessChromium.MISSING);
        LocalStackOptions options = FreePortOptions.of(dataDir,
                "--machines=4", "--groups=2", "--interval-ms=200", "--admin-password=" + PASSWORD);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (LocalStack stack = new LocalStack(new PrintStream(console, true, StandardCharsets.UTF_8))) {
            stack.start(options);
            String address = "http://127.0.0.1:" + stack.apiPort() + "/";
            assertThat(console.toString(StandardCharsets.UTF_8)).contains("Console          " + address);
            WebDriver browser = HeadlessChromium.start();
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(90));
                browser.get(address);
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("email"))).sendKeys("admin@demo.local");
                browser.findElement(By.id("password")).sendKeys(PASSWORD);
                browser.findElement(By.id("login-button")).click();
                // The machines' states come from the OEE job, live through the socket.
                wait.until(driver -> driver.findElements(By.cssSelector("[data-line]")).size() == 2
                        && driver.findElements(By.cssSelector("[data-device] .state.UNKNOWN")).isEmpty());
                HeadlessChromium.screenshot(browser, SCREENSHOTS, "local-overview");

                browser.get(address + "#/alerts");
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("no-alerts")));
                stack.faultCommand("breach all 600"); // long enough to be acknowledged before it clears
                By opened = By.cssSelector("tr[data-status='ACTIVE'] button[data-action='acknowledge']");
                // The list re-renders as the breach's alerts arrive: find the button again if it was replaced.
                wait.ignoring(StaleElementReferenceException.class).until(driver -> {
                    driver.findElement(opened).click();
                    return true;
                });
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("ask-comment"))).sendKeys("checking the coolant");
                browser.findElement(By.id("ask-confirm")).click();
                try {
                    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr[data-status='ACKNOWLEDGED']")));
                } catch (org.openqa.selenium.TimeoutException e) {
                    HeadlessChromium.screenshot(browser, SCREENSHOTS, "local-alerts-failed");
                    throw new AssertionError("no acknowledged alert: " + browser.findElement(By.tagName("body")).getText(), e);
                }
                HeadlessChromium.screenshot(browser, SCREENSHOTS, "local-alerts");
            } finally {
                browser.quit();
            }
        }
    }
}
