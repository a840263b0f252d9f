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
 * A real standalone Flink session cluster: a JobManager and TaskManagers, each its own JVM, on the class path that
 * flink-standalone assembled from Maven Central. Started as Flink's own scripts would start them (the JDK opens,
 * and every TaskManager memory component given explicitly, which the scripts otherwise compute). With a ZooKeeper
 * quorum it runs Flink's JobManager high availability: a JobManager killed and replaced by a new one recovers every
 * job from its latest checkpoint.
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
    private final Path libDir;
    private final Path workDir;
    private final int restPort;
    private Process jobManager;
    private final List<Process> taskManagers = new ArrayList<>();
    private final java.util.Set<Process> killed = new java.util.HashSet<>();

    private StandaloneFlinkCluster(Path libDir, Path workDir, int restPort) {
        this.libDir = libDir;
        this.workDir = workDir;
        this.restPort = restPort;
    }

    /** One JobManager and one TaskManager, no high availability. */
    static StandaloneFlinkCluster start(Path libDir, Path workDir) throws Exception {
        return start(libDir, workDir, List.of(), 1);
    }

    /**
     * A JobManager and {@code taskManagers} TaskManagers electing and finding their leader in ZooKeeper. A lost
     * JobManager's leadership lapses with its ZooKeeper session (6 s here), a lost TaskManager with its heartbeats.
     */
    static StandaloneFlinkCluster startHighlyAvailable(Path libDir, Path workDir, String zooKeeperQuorum,
                                                       int taskManagers) throws Exception {
        return start(libDir, workDir, List.of(
                "high-availability.type: zookeeper",
                "high-availability.zookeeper.quorum: " + zooKeeperQuorum,
                "high-availability.storageDir: " + workDir.resolve("ha").toUri(),
                "high-availability.cluster-id: /plantline",
                "high-availability.zookeeper.client.session-timeout: 6000",
                "heartbeat.interval: 2000",
                "heartbeat.timeout: 10000",
                // Jobs spread over the TaskManagers, so losing any one of them hits some job.
                "taskmanager.load-balance.mode: SLOTS"), taskManagers);
    }

    private static StandaloneFlinkCluster start(Path libDir, Path workDir, List<String> more, int taskManagers)
            throws Exception {
        int restPort = FreePorts.pick();
        StandaloneFlinkCluster cluster = new StandaloneFlinkCluster(libDir, workDir, restPort);
        Path conf = Files.createDirectories(workDir.resolve("conf"));
        List<String> config = new ArrayList<>(List.of(
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
                "restart-strategy.fixed-delay.attempts: 3"));
        config.addAll(more);
        config.add("");
        Files.writeString(conf.resolve("config.yaml"), String.join("\n", config));
        Files.writeString(conf.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = file",
                "appender.file.type = File",
                "appender.file.name = file",
                "appender.file.fileName = ${sys:log.file}",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1} - %m%n",
                ""));
        try {
            cluster.startJobManager();
            for (int i = 0; i < taskManagers; i++) {
                cluster.startTaskManager();
            }
            cluster.awaitTaskManagers(taskManagers, Duration.ofSeconds(90));
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();    // no process outlives a start that failed
            throw e;
        }
    }

    /** A JobManager, the first or one replacing a killed one (with high availability it recovers the jobs). */
    void startJobManager() throws IOException {
        jobManager = launch("jobmanager-" + (processes.size() + 1),
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", List.of("-Xmx512m"), List.of());
    }

    void startTaskManager() throws IOException {
        List<String> dynamic = new ArrayList<>();
        TASK_MANAGER_MEMORY.forEach(setting -> {
            dynamic.add("-D");
            dynamic.add(setting);
        });
        taskManagers.add(launch("taskmanager-" + (processes.size() + 1), "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                List.of("-Xmx512m", "-Xms512m", "-XX:MaxDirectMemorySize=192m", "-XX:MaxMetaspaceSize=256m"), dynamic));
    }

    /** kill -9 of the JobManager's process. */
    void killJobManager() throws InterruptedException {
        kill(jobManager);
    }

    /** kill -9 of the first TaskManager still running. */
    void killTaskManager() throws InterruptedException {
        Process taskManager = taskManagers.stream().filter(Process::isAlive).findFirst().orElseThrow();
        kill(taskManager);
    }

    private void kill(Process process) throws InterruptedException {
        killed.add(process);
        process.destroyForcibly();      // SIGKILL: nothing of the process's own shutdown runs
        process.waitFor();
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

    private Process launch(String role, String mainClass, List<String> jvmOptions, List<String> arguments)
            throws IOException {
        Path conf = configDirectory();
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
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(workDir.resolve(role + ".out").toFile()).start();
        processes.add(process);
        return process;
    }

    void awaitTaskManagers(int count, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Process process : processes) {
                if (!process.isAlive() && !killed.contains(process)) {
                    throw new IllegalStateException("a Flink process exited with " + process.exitValue() + "; see " + workDir);
                }
            }
            try {
                String overview = http.send(HttpRequest.newBuilder(URI.create(restUrl() + "/overview")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (overview.contains("\"taskmanagers\":" + count + ",")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(count + " TaskManagers not registered within " + timeout.toSeconds() + " s; see "
                + workDir);
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
