package io.plantline.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A Java program started as a process of its own on this JVM's class path, its output appended to a log file. */
final class JavaProcess {

    private JavaProcess() {
    }

    static Process start(Path log, List<String> jvmOptions, String mainClass, List<String> arguments,
                         Map<String, String> environment) throws IOException {
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        return builder.start();
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** kill -9 of {@code process} and every process it started (nothing of their own shutdown runs). */
    static void kill(Process process) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, and SIGKILL after {@code seconds}. */
    static void stop(Process process, int seconds) throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(seconds, java.util.concurrent.TimeUnit.SECONDS)) {
            kill(process);
        }
    }
}
