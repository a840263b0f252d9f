package io.plantline.api;

import io.plantline.testing.HeadlessChromium;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The console as a browser test uses it: logging in, waiting for what the page shows, clicking, screenshots. */
final class ConsoleBrowser {

    static final Duration WAIT = Duration.ofSeconds(20);
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

    final WebDriver driver;
    private final Supplier<String> consoleUrl;

    /** {@code consoleUrl}: asked each time, as a test may restart its server. */
    ConsoleBrowser(WebDriver driver, Supplier<String> consoleUrl) {
        this.driver = driver;
        this.consoleUrl = consoleUrl;
    }

    void open(String page) {
        driver.get(consoleUrl.get() + page);
    }

    void login(String orgSlug, String role) {
        open("#/login");
        loginOnThisPage(orgSlug, role);
    }

    /** Logs in on the login form the browser shows (at a page's address when a link was opened before logging in). */
    void loginOnThisPage(String orgSlug, String role) {
        waitFor(By.id("email")).sendKeys(role + "@" + orgSlug + ".test");
        driver.findElement(By.id("password")).sendKeys(TestApi.PASSWORD);
        driver.findElement(By.id("login-button")).click();
        new WebDriverWait(driver, WAIT).until(ExpectedConditions.textToBePresentInElementLocated(By.id("who-name"),
                role + "@" + orgSlug + ".test"));
    }

    /** The page re-renders as live messages arrive: an element found a moment ago may be gone, so look again. */
    String textOf(By element) {
        return new WebDriverWait(driver, WAIT).ignoring(StaleElementReferenceException.class)
                .until(browser -> browser.findElement(element).getText());
    }

    /** Waits until the element's text contains {@code expected}, and answers that text. */
    String waitForText(By element, String expected, Duration wait) {
        String[] last = {null};
        try {
            return new WebDriverWait(driver, wait).ignoring(StaleElementReferenceException.class)
                    .until(browser -> {
                        last[0] = browser.findElement(element).getText();
                        return last[0].contains(expected) ? last[0] : null;
                    });
        } catch (TimeoutException e) {
            throw new AssertionError("expected " + element + " to contain '" + expected + "' but it shows '" + last[0] + "'", e);
        }
    }

    void click(By element) {
        new WebDriverWait(driver, WAIT).ignoring(StaleElementReferenceException.class).until(browser -> {
            browser.findElement(element).click();
            return true;
        });
    }

    /** The element once visible; on a timeout the failure carries the page as the browser had it. */
    WebElement waitFor(By element) {
        try {
            return new WebDriverWait(driver, WAIT).until(ExpectedConditions.visibilityOfElementLocated(element));
        } catch (TimeoutException e) {
            throw new AssertionError("no " + element + " on " + driver.getCurrentUrl() + ": " + driver.getPageSource(), e);
        }
    }

    /** A date input set as a person picks a day (its value, then the change event the browser fires). */
    void choose(By input, String isoDate) {
        ((JavascriptExecutor) driver).executeScript("arguments[0].value = arguments[1];"
                + " arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", waitFor(input), isoDate);
    }

    void screenshot(String page) {
        HeadlessChromium.screenshot(driver, SCREENSHOTS, page);
    }
}
