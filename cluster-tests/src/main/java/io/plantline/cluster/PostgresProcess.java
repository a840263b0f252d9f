package io.plantline.cluster;

import io.plantline.embedded.EmbeddedPostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL 17 as a process of its own: the embedded server's binaries (from Maven Central) initialise the data folder
 * once, with the login and database compose's {@code postgres} service creates ({@code plantline}, a superuser, and
 * its database), then {@code postgres} itself runs on that folder with {@code fsync} on, so a {@code kill -9} and a
 * restart keep every committed row.
 */
public final class PostgresProcess implements AutoCloseable {

    public static final String DATABASE = "plantline";
    public static final String USER = "plantline";

    private final Path binary;
    private final Path dataDirectory;
    private final Path log;
    private final int port;
    private Process process;

    private PostgresProcess(Path binary, Path dataDirectory, Path log, int port) {
        this.binary = binary;
        this.dataDirectory = dataDirectory;
        this.log = log;
        this.port = port;
    }

    public static PostgresProcess start(Path workDir, int port, String password) throws Exception {
        Path data = workDir.resolve("postgres-data");
        Path binary;
        try (EmbeddedPostgresServer initial = EmbeddedPostgresServer.start(port, data, false)) {
            long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
            binary = Path.of(ProcessHandle.of(pid).orElseThrow().info().command().orElseThrow());
            try (Connection connection = DriverManager.getConnection(initial.jdbcUrl());
                 Statement statement = connection.createStatement()) {
                statement.execute("CREATE ROLE " + USER + " LOGIN SUPERUSER PASSWORD '" + password.replace("'", "''") + "'");
                statement.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
            }
        }
        PostgresProcess postgres = new PostgresProcess(binary, data, workDir.resolve("postgres.log"), port);
        postgres.restart();
        return postgres;
    }

    /** Starts the server (again) on its data folder, and waits until it takes connections. */
    public void restart() throws Exception {
        List<String> command = new ArrayList<>();
        if (System.getProperty("user.name").equals("root")) {
            // PostgreSQL refuses to run as root; in a user namespace of its own it is not (as the embedded server runs).
            command.addAll(List.of("unshare", "-U"));
        }
        command.addAll(List.of(binary.toString(), "-D", dataDirectory.toString(),
                "-p", Integer.toString(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
                "-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "timezone=UTC",
                // Exactly-once JDBC sinks use XA, which needs prepared transactions.
                "-c", "max_prepared_transactions=32", "-c", "max_connections=200"));
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Connection connection = DriverManager.getConnection(jdbcUrl(), USER, "")) {
                return;
            } catch (java.sql.SQLException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("PostgreSQL did not start; see " + log, notYet);
                }
                Thread.sleep(200);
            }
        }
    }

    /** kill -9 of the server and of every backend it started. */
    public void kill() throws InterruptedException {
        JavaProcess.kill(process);
    }

    /** The JDBC URL without the login (compose's URL on this machine). */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() throws InterruptedException {
        JavaProcess.stop(process, 30);
    }
}
