package io.plantline.cluster;

import io.plantline.embedded.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real standalone Flink session cluster: one JobManager and one TaskManager, each its own JVM, on the class path
 * that flink-standalone assembled from Maven Central. Started as Flink's own scripts would start them (the JDK opens,
 * and every TaskManager memory component given explicitly, which the scripts otherwise compute).
 */
final class StandaloneFlinkCluster implements AutoCloseable {

    private static final List<String> OPENS = List.of("java.util", "java.lang", "java.lang.reflect", "java.net", "java.io",
            "java.nio", "sun.nio.ch", "java.text", "java.time", "java.util.concurrent", "java.util.concurrent.atomic",
            "java.util.concurrent.locks");
    private static final List<String> TASK_MANAGER_MEMORY = List.of("taskmanager.cpu.cores=2",
            "taskmanager.memory.framework.heap.size=128m", "taskmanager.memory.task.heap.size=384m",
            "taskmanager.memory.managed.size=256m", "taskmanager.memory.network.min=64m", "taskmanager.memory.network.max=64m",
            "taskmanager.memory.framework.off-heap.size=128m", "taskmanager.memory.task.off-heap.size=0m",
            "taskmanager.memory.jvm-metaspace.size=256m", "taskmanager.memory.jvm-overhead.min=192m",
            "taskmanager.memory.jvm-overhead.max=192m");

    private final List<Process> processes = new ArrayList<>();
    private final Path workDir;
    private final int restPort;

    private StandaloneFlinkCluster(Path workDir, int restPort) {
        this.workDir = workDir;
        this.restPort = restPort;
    }

    static StandaloneFlinkCluster start(Path libDir, Path workDir) throws Exception {
        int restPort = FreePorts.pick();
        StandaloneFlinkCluster cluster = new StandaloneFlinkCluster(workDir, restPort);
        Path conf = Files.createDirectories(workDir.resolve("conf"));
        Files.writeString(conf.resolve("config.yaml"), String.join("\n",
                "jobmanager.rpc.address: localhost",
                "jobmanager.rpc.port: " + FreePorts.pick(),
                "jobmanager.bind-host: 127.0.0.1",
                "jobmanager.memory.process.size: 1024m",
                "taskmanager.bind-host: 127.0.0.1",
                "taskmanager.host: 127.0.0.1",
                "taskmanager.numberOfTaskSlots: 4",
                "rest.port: " + restPort,
                "rest.address: 127.0.0.1",
                "rest.bind-address: 127.0.0.1",
                "parallelism.default: 2",
                "state.backend.type: rocksdb",
                "execution.checkpointing.incremental: true",
                "execution.checkpointing.dir: " + workDir.resolve("checkpoints").toUri(),
                "execution.checkpointing.savepoint-dir: " + workDir.resolve("savepoints").toUri(),
                "web.upload.dir: " + workDir.resolve("uploads"),
                "restart-strategy.type: fixed-delay",
                "restart-strategy.fixed-delay.attempts: 3",
                ""));
        Files.writeString(conf.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = file",
                "appender.file.type = File",
                "appender.file.name = file",
                "appender.file.fileName = ${sys:log.file}",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1} - %m%n",
                ""));
        cluster.launch(libDir, conf, "jobmanager", "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                List.of("-Xmx512m"), List.of());
        List<String> dynamic = new ArrayList<>();
        TASK_MANAGER_MEMORY.forEach(setting -> {
            dynamic.add("-D");
            dynamic.add(setting);
        });
        cluster.launch(libDir, conf, "taskmanager", "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                List.of("-Xmx512m", "-Xms512m", "-XX:MaxDirectMemorySize=192m", "-XX:MaxMetaspaceSize=256m"), dynamic);
        cluster.awaitTaskManager(Duration.ofSeconds(90));
        return cluster;
    }

    String restUrl() {
        return "http://127.0.0.1:" + restPort;
    }

    Path configDirectory() {
        return workDir.resolve("conf");
    }

    Path savepointDirectory() {
        return workDir.resolve("savepoints");
    }

    private void launch(Path libDir, Path conf, String role, String mainClass, List<String> jvmOptions,
                        List<String> arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        OPENS.forEach(pkg -> command.add("--add-opens=java.base/" + pkg + "=ALL-UNNAMED"));
        command.add("-Dlog.file=" + workDir.resolve(role + ".log"));
        command.add("-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri());
        command.add("-cp");
        command.add(libDir.toAbsolutePath() + "/*");
        command.add(mainClass);
        command.add("--configDir");
        command.add(conf.toString());
        command.addAll(arguments);
        processes.add(new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(workDir.resolve(role + ".out").toFile()).start());
    }

    private void awaitTaskManager(Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Process process : processes) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("a Flink process exited with " + process.exitValue() + "; see " + workDir);
                }
            }
            try {
                String overview = http.send(HttpRequest.newBuilder(URI.create(restUrl() + "/overview")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (overview.contains("\"taskmanagers\":1")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("no TaskManager registered within " + timeout.toSeconds() + " s; see " + workDir);
    }

    @Override
    public void close() throws InterruptedException {
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process process = processes.get(i);
            process.destroy();
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
