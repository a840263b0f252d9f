package io.plantline.bench;

import io.plantline.api.ApiOptions;
import io.plantline.api.ControlApi;
import io.plantline.embedded.EmbeddedKafkaCluster;
import io.plantline.embedded.EmbeddedPostgresServer;
import io.plantline.embedded.KafkaTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * How fast the web console answers in a real browser (Debian's headless Chromium through Selenium), measured with the
 * browser's own clock ({@code performance.now()} and the navigation timing of the page load), against the API on
 * embedded PostgreSQL and Kafka holding a demo plant: 20 machines on 4 lines with 30 days of hourly and daily OEE.
 * Per run, in a fresh browser: the page load, login to a rendered overview (every line's OEE and machines), and a
 * 30-day OEE chart of a line drawn.
 *
 *   ConsoleBenchmark [runs=5]
 */
public final class ConsoleBenchmark {

    private static final String ORG = "demo";
    private static final String PASSWORD = "benchmark password";
    private static final int MACHINES = 20;
    private static final int LINES = 4;

    private ConsoleBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.setProperty("logback.configurationFile", "bench-logback.xml");
        Path workDir = Files.createTempDirectory("plantline-console-bench");
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(0, workDir.resolve("postgres"), true);
             EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(0, workDir.resolve("kafka"), 1L << 30)) {
            KafkaTopics.createAll(kafka.bootstrapServers(), 2);
            // Every run logs in from the same address: above the default 5 logins a minute.
            ControlApi api = ControlApi.start(ApiOptions.parse(new String[] {"--port=0", "--logins-per-minute=100",
                    "--jwt-secret=benchmark-secret-of-at-least-32-bytes"}, Map.of())
                    .connectedTo(0, postgres.jdbcUrl(), kafka.bootstrapServers()), Clock.systemUTC());
            api.ensureAdmin(new ApiOptions.BootstrapAdmin(ORG, "admin@demo.local", PASSWORD));
            loadPlant(postgres.jdbcUrl());
            String console = "http://127.0.0.1:" + api.port() + "/";
            List<Double> pageLoad = new ArrayList<>();
            List<Double> overview = new ArrayList<>();
            List<Double> chart = new ArrayList<>();
            for (int run = 0; run <= runs; run++) {
                WebDriver browser = browser();
                try {
                    double[] figures = measure(browser, console);
                    if (run > 0) { // the first run warms up the server's code and caches
                        pageLoad.add(figures[0]);
                        overview.add(figures[1]);
                        chart.add(figures[2]);
                    }
                } finally {
                    browser.quit();
                }
            }
            System.out.printf("%d runs after one unmeasured, each in a fresh headless Chromium (1280x800), API and browser"
                    + " on the same 2 cores; %d machines on %d lines, 30 days of hourly and daily OEE.%n%n", runs, MACHINES, LINES);
            System.out.println("| step | median ms | min-max ms |");
            System.out.println("|---|---|---|");
            row("page load (navigation timing: request to load event)", pageLoad);
            row("login to the overview rendered (every line's and machine's 8-hour OEE, states, alerts)", overview);
            row("30-day OEE chart of a line drawn (page switch to chart data set)", chart);
            api.close();
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static double[] measure(WebDriver browser, String console) {
        JavascriptExecutor js = (JavascriptExecutor) browser;
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        browser.get(console + "#/login");
        wait.until(driver -> !driver.findElements(By.id("email")).isEmpty());
        double load = ((Number) js.executeScript("const t = performance.getEntriesByType('navigation')[0];"
                + " return t.loadEventEnd - t.startTime;")).doubleValue();
        browser.findElement(By.id("email")).sendKeys("admin@demo.local");
        browser.findElement(By.id("password")).sendKeys(PASSWORD);
        js.executeScript("window.benchStart = performance.now(); document.getElementById('login-button').click();");
        try {
            wait.until(driver -> driver.findElements(By.cssSelector("[data-line] .machine-oee")).size() == MACHINES);
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new IllegalStateException("the overview did not render: " + browser.getPageSource() + " "
                    + browser.manage().logs().get("browser").getAll(), e);
        }
        double overview = ((Number) js.executeScript("return performance.now() - window.benchStart;")).doubleValue();
        js.executeScript("window.benchStart = performance.now(); location.hash = '#/oee';");
        wait.until(driver -> {
            String points = driver.findElements(By.id("oee-chart")).isEmpty() ? null
                    : driver.findElement(By.id("oee-chart")).getDomAttribute("data-points");
            return points != null && !points.equals("0");
        });
        double chart = ((Number) js.executeScript("return performance.now() - window.benchStart;")).doubleValue();
        return new double[] {load, overview, chart};
    }

    private static WebDriver browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800");
        return new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(new java.io.File("/usr/bin/chromedriver"))
                .build(), options);
    }

    /** The demo plant's shape: 20 machines on 4 lines, 30 days of hours and days, and the last hours' minutes. */
    private static void loadPlant(String jdbcUrl) throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.HOURS);
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement sql = connection.createStatement()) {
            sql.execute("INSERT INTO devices (org_slug, device_id, name, online, last_seen_at, machine_state, machine_state_since)"
                    + " SELECT '" + ORG + "', 'machine-' || lpad(i::text, 2, '0'), 'Machine ' || i, true, now(), 'RUNNING', now()"
                    + " FROM generate_series(1, " + MACHINES + ") i");
            sql.execute("INSERT INTO device_groups (org_slug, group_id, name) SELECT '" + ORG + "', 'line-' || l, 'Line ' || l"
                    + " FROM generate_series(1, " + LINES + ") l");
            sql.execute("INSERT INTO device_group_members (org_slug, group_id, device_id) SELECT '" + ORG + "', 'line-' || (1 + (i - 1) % "
                    + LINES + "), 'machine-' || lpad(i::text, 2, '0') FROM generate_series(1, " + MACHINES + ") i");
            for (String[] table : new String[][] {{"oee_1h", "1 hour", "3600000"}, {"oee_1d", "1 day", "86400000"}}) {
                sql.execute("INSERT INTO " + table[0] + " (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count,"
                        + " good_count, ideal_ms_sum, good_ideal_ms_sum) SELECT d.org_slug, d.device_id, b, " + table[2] + ", "
                        + table[2] + " * 0.8, " + table[2] + " / 2500, " + table[2] + " / 2600, (" + table[2] + " / 2500) * 2000.0,"
                        + " (" + table[2] + " / 2600) * 2000.0 FROM devices d, generate_series(timestamptz '" + now
                        + "' - interval '31 days', timestamptz '" + now + "', interval '" + table[1] + "') b");
            }
            sql.execute("ANALYZE");
        }
    }

    private static void row(String step, List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        System.out.printf("| %s | %.0f | %.0f-%.0f |%n", step, sorted.get(sorted.size() / 2), sorted.get(0),
                sorted.get(sorted.size() - 1));
    }
}
