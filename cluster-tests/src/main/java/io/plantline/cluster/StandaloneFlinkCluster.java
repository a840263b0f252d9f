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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.nio.file.StandardCopyOption;

/**
 * A real standalone Flink session cluster: a JobManager and TaskManagers, each its own JVM, on the class path that
 * flink-standalone assembled from Maven Central. Every process reads the repository's {@code flink-conf/config.yaml}
 * (the file compose mounts), copied verbatim into its configuration folder, and gets what differs on this machine as
 * {@code -D} dynamic properties, as Flink's image applies {@code FLINK_PROPERTIES} and
 * {@code TASK_MANAGER_NUMBER_OF_TASK_SLOTS} over the file: only the keys of {@link #MACHINE_SETTINGS} (addresses,
 * ports, folders, memory for a shared machine) and of {@link #FAILURE_DETECTION} (a lost process noticed in seconds,
 * not a minute). Started as Flink's own scripts would start them (the JDK opens, and every TaskManager memory
 * component given explicitly, which the scripts otherwise compute). With a ZooKeeper quorum it runs the file's
 * JobManager high availability: a JobManager killed and replaced by a new one recovers every job from its latest
 * checkpoint; without one, high availability is off.
 */
public final class StandaloneFlinkCluster implements AutoCloseable {

    private static final List<String> OPENS = List.of("java.util", "java.lang", "java.lang.reflect", "java.net", "java.io",
            "java.nio", "sun.nio.ch", "java.text", "java.time", "java.util.concurrent", "java.util.concurrent.atomic",
            "java.util.concurrent.locks");
    private static final Map<String, String> TASK_MANAGER_MEMORY = orderedMap("taskmanager.cpu.cores", "2",
            "taskmanager.memory.process.size", "1408m",
            "taskmanager.memory.framework.heap.size", "128m", "taskmanager.memory.task.heap.size", "384m",
            "taskmanager.memory.managed.size", "256m", "taskmanager.memory.network.min", "64m",
            "taskmanager.memory.network.max", "64m", "taskmanager.memory.framework.off-heap.size", "128m",
            "taskmanager.memory.task.off-heap.size", "0m", "taskmanager.memory.jvm-metaspace.size", "256m",
            "taskmanager.memory.jvm-overhead.min", "192m", "taskmanager.memory.jvm-overhead.max", "192m");
    /** What a process on this machine must set differently from a container: where it listens, its folders, memory. */
    public static final Set<String> MACHINE_SETTINGS = union(Set.of("jobmanager.rpc.address", "jobmanager.rpc.port",
            "jobmanager.bind-host", "jobmanager.memory.process.size", "taskmanager.bind-host", "taskmanager.host",
            "taskmanager.numberOfTaskSlots", "rest.port", "rest.address", "rest.bind-address",
            "execution.checkpointing.dir", "execution.checkpointing.savepoint-dir", "web.upload.dir",
            "high-availability.type", "high-availability.storageDir", "high-availability.zookeeper.quorum",
            "taskmanager.load-balance.mode"), TASK_MANAGER_MEMORY.keySet());
    /** Failure detection in seconds: a lost JobManager's ZooKeeper session, a lost TaskManager's heartbeats. */
    public static final Map<String, String> FAILURE_DETECTION = orderedMap(
            "high-availability.zookeeper.client.session-timeout", "6000", "heartbeat.interval", "2000",
            "heartbeat.timeout", "10000");

    private final List<Process> processes = new ArrayList<>();
    private final Path libDir;
    private final Path workDir;
    private final int restPort;
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private Process jobManager;
    private final List<Process> taskManagers = new ArrayList<>();
    /** Processes killed on purpose, or exited and replaced: not failures. */
    private final Set<Process> gone = new HashSet<>();

    private StandaloneFlinkCluster(Path libDir, Path workDir, int restPort) {
        this.libDir = libDir;
        this.workDir = workDir;
        this.restPort = restPort;
    }

    /** One JobManager and one TaskManager, no high availability. */
    public static StandaloneFlinkCluster start(Path libDir, Path configFile, Path workDir) throws Exception {
        return start(libDir, configFile, workDir, Map.of("high-availability.type", "NONE"), 1);
    }

    /**
     * A JobManager and {@code taskManagers} TaskManagers electing and finding their leader in ZooKeeper. A lost
     * JobManager's leadership lapses with its ZooKeeper session (6 s here), a lost TaskManager with its heartbeats.
     */
    public static StandaloneFlinkCluster startHighlyAvailable(Path libDir, Path configFile, Path workDir,
                                                              String zooKeeperQuorum, int taskManagers) throws Exception {
        Map<String, String> more = new LinkedHashMap<>(Map.of(
                "high-availability.zookeeper.quorum", zooKeeperQuorum,
                "high-availability.storageDir", workDir.resolve("ha").toUri().toString(),
                // Jobs spread over the TaskManagers, so losing any one of them hits some job.
                "taskmanager.load-balance.mode", "SLOTS"));
        more.putAll(FAILURE_DETECTION);
        return start(libDir, configFile, workDir, more, taskManagers);
    }

    private static StandaloneFlinkCluster start(Path libDir, Path configFile, Path workDir, Map<String, String> more,
                                                int taskManagers) throws Exception {
        int restPort = FreePorts.pick();
        StandaloneFlinkCluster cluster = new StandaloneFlinkCluster(libDir, workDir, restPort);
        Path conf = Files.createDirectories(workDir.resolve("conf"));
        Files.copy(configFile, conf.resolve("config.yaml"), StandardCopyOption.REPLACE_EXISTING);
        cluster.overrides.putAll(orderedMap(
                "jobmanager.rpc.address", "localhost",
                "jobmanager.rpc.port", Integer.toString(FreePorts.pick()),
                "jobmanager.bind-host", "127.0.0.1",
                "jobmanager.memory.process.size", "1024m",
                "taskmanager.bind-host", "127.0.0.1",
                "taskmanager.host", "127.0.0.1",
                // Two TaskManagers hold the three jobs, and either alone when the other is lost.
                "taskmanager.numberOfTaskSlots", "4",
                "rest.port", Integer.toString(restPort),
                "rest.address", "127.0.0.1",
                "rest.bind-address", "127.0.0.1",
                "execution.checkpointing.dir", workDir.resolve("checkpoints").toUri().toString(),
                "execution.checkpointing.savepoint-dir", workDir.resolve("savepoints").toUri().toString(),
                "web.upload.dir", workDir.resolve("uploads").toString()));
        cluster.overrides.putAll(more);
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
            cluster.awaitTaskManagers(taskManagers, Duration.ofSeconds(180));
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();    // no process outlives a start that failed
            throw e;
        }
    }

    /** The settings given over the file, as {@code -D} dynamic properties, to every process (TaskManagers' memory too). */
    public Map<String, String> overrides() {
        Map<String, String> all = new LinkedHashMap<>(overrides);
        all.putAll(TASK_MANAGER_MEMORY);
        return all;
    }

    /** A JobManager, the first or one replacing a killed one (with high availability it recovers the jobs). */
    public void startJobManager() throws IOException {
        jobManager = launch("jobmanager-" + (processes.size() + 1),
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", List.of("-Xmx512m"),
                dynamicProperties(overrides));
    }

    public void startTaskManager() throws IOException {
        List<String> dynamic = dynamicProperties(overrides);
        dynamic.addAll(dynamicProperties(TASK_MANAGER_MEMORY));
        taskManagers.add(launch("taskmanager-" + (processes.size() + 1), "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                List.of("-Xmx512m", "-Xms512m", "-XX:MaxDirectMemorySize=192m", "-XX:MaxMetaspaceSize=256m"), dynamic));
    }

    private static List<String> dynamicProperties(Map<String, String> settings) {
        List<String> arguments = new ArrayList<>();
        settings.forEach((key, value) -> {
            arguments.add("-D");
            arguments.add(key + "=" + value);
        });
        return arguments;
    }

    /** kill -9 of the JobManager's process. */
    public void killJobManager() throws InterruptedException {
        kill(jobManager);
    }

    /** kill -9 of the first TaskManager still running. */
    public void killTaskManager() throws InterruptedException {
        Process taskManager = taskManagers.stream().filter(Process::isAlive).findFirst().orElseThrow();
        kill(taskManager);
    }

    private void kill(Process process) throws InterruptedException {
        gone.add(process);
        process.destroyForcibly();      // SIGKILL: nothing of the process's own shutdown runs
        process.waitFor();
    }

    public String restUrl() {
        return "http://127.0.0.1:" + restPort;
    }

    public Path configDirectory() {
        return workDir.resolve("conf");
    }

    public Path savepointDirectory() {
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

    /**
     * Waits until {@code count} TaskManagers are registered. A TaskManager that exits on its own is started again, as
     * compose's {@code restart: unless-stopped} does: on a busy host one restarted after a kill could not start its
     * RPC system within Pekko's 10 s and exited. Any other Flink process exiting fails.
     */
    public void awaitTaskManagers(int count, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Process process : List.copyOf(processes)) {
                if (process.isAlive() || gone.contains(process)) {
                    continue;
                }
                if (!taskManagers.contains(process)) {
                    throw new IllegalStateException("a Flink process exited with " + process.exitValue() + "; see " + workDir);
                }
                gone.add(process);
                System.out.println("a TaskManager exited with " + process.exitValue() + "; started again, as compose's"
                        + " restart policy does");
                startTaskManager();
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

    public int runningTaskManagers() {
        return (int) taskManagers.stream().filter(Process::isAlive).count();
    }

    private static Map<String, String> orderedMap(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
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
