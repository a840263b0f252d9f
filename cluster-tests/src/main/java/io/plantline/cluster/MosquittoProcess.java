package io.plantline.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * This machine's Mosquitto (the Debian package, 2.0.11 here, which ships the dynamic-security plugin) as a process of
 * its own, as MosquittoDeviceAccessIT starts it: compose's {@code mosquitto/mosquitto.conf} (its persistence, limits
 * and access rules) but for where it listens, keeps its files and finds the plugin, and a dynamic-security file made
 * once with the admin compose's {@code mosquitto-init} makes ({@code mosquitto_ctrl dynsec init}). A restart after
 * {@code kill -9} keeps the folder: the accounts, and the sessions and queues as of Mosquitto's last save.
 */
public final class MosquittoProcess implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/sbin/mosquitto");
    /** Settings of compose's configuration that name the container's port and paths; this process sets its own. */
    public static final Set<String> MACHINE_SETTINGS = Set.of("listener", "persistence_location", "plugin",
            "plugin_opt_config_file");

    private final Path folder;
    private final int port;
    private Process process;

    private MosquittoProcess(Path folder, int port) {
        this.folder = folder;
        this.port = port;
    }

    public static boolean installed() {
        return Files.isExecutable(BINARY) && plugin().isPresent();
    }

    /** Initialises the dynamic-security file with {@code admin}'s password and starts the broker on {@code port}. */
    public static MosquittoProcess start(Path projectConfig, Path folder, int port, String adminPassword) throws Exception {
        Files.createDirectories(folder);
        Path security = folder.resolve("dynamic-security.json");
        Process init = new ProcessBuilder("mosquitto_ctrl", "dynsec", "init", security.toString(), "admin", adminPassword)
                .redirectErrorStream(true).start();
        String said = new String(init.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (init.waitFor() != 0) {
            throw new IllegalStateException("mosquitto_ctrl dynsec init failed: " + said);
        }
        List<String> lines = new ArrayList<>(Files.readAllLines(projectConfig).stream().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .filter(line -> !MACHINE_SETTINGS.contains(line.split("\\s+", 2)[0])).toList());
        lines.addAll(List.of(
                "listener " + port + " 127.0.0.1",
                "persistence_location " + folder + "/",
                "plugin " + plugin().orElseThrow(() -> new IllegalStateException("the dynamic-security plugin is missing")),
                "plugin_opt_config_file " + security,
                // Run as root, the broker would switch to user mosquitto, which cannot write this folder.
                "user " + System.getProperty("user.name"),
                ""));
        Files.writeString(folder.resolve("mosquitto.conf"), String.join("\n", lines));
        MosquittoProcess mosquitto = new MosquittoProcess(folder, port);
        mosquitto.restart();
        return mosquitto;
    }

    /** Starts the broker (again) on its folder, and waits until it listens. */
    public void restart() throws Exception {
        process = new ProcessBuilder(BINARY.toString(), "-c", folder.resolve("mosquitto.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(folder.resolve("mosquitto.log").toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("Mosquitto did not listen on " + port + "; see "
                            + folder.resolve("mosquitto.log"));
                }
                Thread.sleep(100);
            }
        }
    }

    public void kill() throws InterruptedException {
        JavaProcess.kill(process);
    }

    /**
     * Whether this Mosquitto sends a subscriber with a backlog more than its Receive Maximum (2.0.11 and 2.0.12:
     * every in-order PUBACK releases up to a whole window from the queue; docs/benchmarks.md). The bridge then
     * disconnects, is sent its backlog again, and never catches up.
     */
    public static boolean overrunsReceiveMaximum() throws IOException, InterruptedException {
        Process help = new ProcessBuilder(BINARY.toString(), "-h").redirectErrorStream(true).start();
        String said = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        help.waitFor();
        return said.contains("version 2.0.11") || said.contains("version 2.0.12");
    }

    public int port() {
        return port;
    }

    /** The plugin the package installs, wherever the architecture puts it. */
    static Optional<Path> plugin() {
        try (Stream<Path> libraries = Files.list(Path.of("/usr/lib"))) {
            return Stream.concat(Stream.of(Path.of("/usr/lib")), libraries)
                    .map(dir -> dir.resolve("mosquitto_dynamic_security.so")).filter(Files::exists).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() throws InterruptedException {
        JavaProcess.stop(process, 10);
    }
}
