package io.plantline.embedded;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server left running on a kept data directory by a process that died without stopping it
 * ({@code kill -9}): the server outlives its owner and holds the port, so the next start finds the port taken. The
 * data directory says whose the server is. Its {@code postmaster.pid} names the server's process and data directory,
 * and a live owner holds the lock on the directory's {@code epg-lock} file, which the embedded server takes at
 * start. The pid may since belong to another process, even another PostgreSQL server of the same user, so the process
 * must be a {@code postgres} serving this directory: a PostgreSQL server works in its data directory (its current
 * directory, {@code /proc/<pid>/cwd}), or, where that cannot be read, names it after {@code -D} on its command line.
 * A server of this directory whose lock nobody holds is orphaned; it is stopped with {@code pg_ctl stop -m
 * fast} (the binary beside the server's), or failing that with SIGTERM. A server of another directory, or one whose
 * owner is alive, is never touched.
 */
public final class OrphanedPostgres {

    static final String LOCK_FILE = "epg-lock";
    private static final Duration STOP_WITHIN = Duration.ofSeconds(60);

    private OrphanedPostgres() {
    }

    /**
     * Stops the orphaned server of {@code dataDirectory}, if there is one.
     *
     * @return the process id of the server stopped
     * @throws IllegalStateException when a live process still owns the directory
     */
    public static Optional<Long> stopIfAny(Path dataDirectory) throws IOException, InterruptedException {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        if (lines.size() < 2 || !lines.get(0).trim().matches("\\d{1,10}")
                || !sameDirectory(Path.of(lines.get(1).trim()), dataDirectory)) {
            return Optional.empty();
        }
        long pid = Long.parseLong(lines.get(0).trim());
        Optional<ProcessHandle> server = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(process -> process.info().command().filter(command -> command.endsWith("/postgres")).isPresent())
                .filter(process -> serves(process, dataDirectory));
        if (server.isEmpty()) {
            return Optional.empty();     // a stale pid file: PostgreSQL itself starts over it
        }
        if (ownerAlive(dataDirectory)) {
            throw new IllegalStateException("another process runs the PostgreSQL server of " + dataDirectory
                    + " (server pid " + pid + "): is another Plantline local stack using this data directory?");
        }
        stop(server.get(), dataDirectory);
        return Optional.of(pid);
    }

    /** Whether the process works in {@code dataDirectory}, or was started with it as {@code -D}. */
    private static boolean serves(ProcessHandle process, Path dataDirectory) {
        try {
            Path workingDirectory = Path.of("/proc", Long.toString(process.pid()), "cwd");
            if (Files.exists(workingDirectory)) {
                return Files.isSameFile(workingDirectory, dataDirectory);
            }
            String[] arguments = process.info().arguments().orElse(new String[0]);
            for (int i = 0; i + 1 < arguments.length; i++) {
                if (arguments[i].equals("-D") && sameDirectory(Path.of(arguments[i + 1]), dataDirectory)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean sameDirectory(Path named, Path dataDirectory) throws IOException {
        return Files.isDirectory(named) && Files.isSameFile(named, dataDirectory);
    }

    /** Whether a live process holds the directory's lock file, as the embedded server's owner does while it runs. */
    private static boolean ownerAlive(Path dataDirectory) throws IOException {
        try (FileChannel channel = FileChannel.open(dataDirectory.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return true;                 // this JVM holds it
        }
    }

    private static void stop(ProcessHandle server, Path dataDirectory) throws IOException, InterruptedException {
        Optional<Path> pgCtl = server.info().command().map(command -> Path.of(command).resolveSibling("pg_ctl"))
                .filter(Files::isExecutable);
        if (pgCtl.isPresent()) {
            Process stop = new ProcessBuilder(pgCtl.get().toString(), "stop", "-D", dataDirectory.toString(), "-m", "fast",
                    "-w", "-t", Long.toString(STOP_WITHIN.toSeconds()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            stop.waitFor(STOP_WITHIN.toSeconds() + 5, TimeUnit.SECONDS);
        }
        if (server.isAlive()) {
            server.destroy();
        }
        try {
            server.onExit().get(STOP_WITHIN.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the orphaned PostgreSQL server " + server.pid() + " of " + dataDirectory
                    + " did not stop", e);
        }
    }
}
