package io.plantline.bench;

import io.plantline.embedded.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bridge as its own JVM ({@code -Xmx256m}), as it runs in production, read through its /health and /metrics.
 * {@code -Dbridge.jvm} adds JVM options to compare (e.g. {@code -XX:+UseSerialGC}), {@code -Dbridge.args} bridge
 * settings (e.g. {@code --max-in-flight=2000}).
 */
record BridgeProcess(Process process, int httpPort, HttpClient http) implements AutoCloseable {

    private static final Pattern HEAP_USED = Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\"[^}]*} ([0-9.E]+)");

    /** Starts a bridge with {@code settings} besides the servers' addresses, and waits until it says UP. */
    static BridgeProcess start(int mqttPort, String kafkaBootstrap, String jdbcUrl, List<String> settings) throws Exception {
        int httpPort = FreePorts.pick();
        Path jar = Path.of(BridgeProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dlogback.configurationFile=bench-logback.xml"));
        command.addAll(words(System.getProperty("bridge.jvm", "")));
        command.addAll(List.of("-cp", jar.toString(),
                "io.plantline.bridge.BridgeMain", "--mqtt-port=" + mqttPort, "--kafka-bootstrap=" + kafkaBootstrap,
                "--jdbc-url=" + jdbcUrl, "--metrics-port=" + httpPort));
        command.addAll(settings);
        command.addAll(words(System.getProperty("bridge.args", "")));
        Process process = new ProcessBuilder(command).inheritIO().start();
        BridgeProcess bridge = new BridgeProcess(process, httpPort, HttpClient.newHttpClient());
        for (int attempt = 0; ; attempt++) {
            try {
                if (bridge.get("/health").contains("\"UP\"")) {
                    return bridge;
                }
            } catch (java.io.UncheckedIOException notYet) {
                if (attempt > 300 || !process.isAlive()) {
                    throw new IllegalStateException("the bridge process did not come up", notYet);
                }
            }
            Thread.sleep(100);
        }
    }

    /** Messages the bridge has finished with: forwarded to their topic or to the dead letters. */
    long completed() {
        String health = get("/health");
        return field(health, "forwarded") + field(health, "rejected");
    }

    Duration cpuTime() {
        return cpuTime(process.toHandle());
    }

    long inFlight() {
        return field(get("/health"), "inFlight");
    }

    long qos0Dropped() {
        return field(get("/health"), "qos0Dropped");
    }

    double heapUsedBytes() {
        Matcher matcher = HEAP_USED.matcher(get("/metrics"));
        double used = 0;
        while (matcher.find()) {
            used += Double.parseDouble(matcher.group(1));
        }
        return used;
    }

    /** The CPU time a process has used so far (zero where the system does not tell). */
    static Duration cpuTime(ProcessHandle process) {
        return process.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    private String get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.split(" ")).filter(word -> !word.isBlank()).toList();
    }

    private static long field(String json, String name) {
        Matcher matcher = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }

    /** Stops the bridge as an operator would (SIGTERM: it disconnects, and a persistent session stays on the broker). */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
