package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * This machine's Mosquitto (the Debian package, which ships the dynamic-security plugin) as a process of the test, on a
 * port of its own, with the project's configuration ({@code mosquitto/mosquitto.conf}, its limits and access rules)
 * but for where it listens, keeps its files and finds the plugin, and a fresh dynamic-security file whose admin the
 * test knows.
 */
final class DynsecMosquitto implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/mosquitto");
    static final String ADMIN = "admin";
    static final String ADMIN_PASSWORD = "the-dynsec-admin-password-of-this-test";
    /** The configuration docker-compose gives Mosquitto, from the module's folder. */
    private static final Path PROJECT_CONFIG = Path.of("..", "mosquitto", "mosquitto.conf");
    /** Settings of that configuration that name the container's port and paths; the test sets its own. */
    private static final List<String> MACHINE_SETTINGS = List.of("listener", "persistence", "persistence_location",
            "plugin", "plugin_opt_config_file");

    private final Process process;

    private DynsecMosquitto(Process process) {
        this.process = process;
    }

    /** The plugin the package installs, wherever the architecture puts it. */
    static Optional<Path> plugin() {
        try (Stream<Path> libraries = Files.list(Path.of("/usr/lib"))) {
            return libraries.map(folder -> folder.resolve("mosquitto_dynamic_security.so")).filter(Files::exists).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static boolean installed() {
        return Files.isExecutable(BINARY) && plugin().isPresent();
    }

    static DynsecMosquitto start(Path folder, int port) throws Exception {
        Path security = folder.resolve("dynamic-security.json");
        Process init = new ProcessBuilder("mosquitto_ctrl", "dynsec", "init", security.toString(), ADMIN, ADMIN_PASSWORD)
                .redirectErrorStream(true).start();
        assertThat(init.waitFor()).as(new String(init.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        Path config = folder.resolve("mosquitto.conf");
        List<String> lines = new ArrayList<>(projectSettings());
        lines.addAll(List.of(
                "listener " + port + " 127.0.0.1",
                "plugin " + plugin().orElseThrow(),
                "plugin_opt_config_file " + security,
                // Run as root (CI), the broker would switch to user mosquitto, which cannot write the test's folder.
                "user " + System.getProperty("user.name"),
                ""));
        Files.writeString(config, String.join("\n", lines));
        Process process = new ProcessBuilder(BINARY.toString(), "-c", config.toString())
                .redirectErrorStream(true).redirectOutput(folder.resolve("mosquitto.log").toFile()).start();
        DynsecMosquitto mosquitto = new DynsecMosquitto(process);
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return true;
            }
        });
        return mosquitto;
    }

    private static List<String> projectSettings() throws IOException {
        return Files.readAllLines(PROJECT_CONFIG).stream().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .filter(line -> !MACHINE_SETTINGS.contains(line.split("\\s+", 2)[0]))
                .toList();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
