package io.plantline.cluster;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Starts the process cluster for a person ({@code cluster-tests/process-cluster.sh}): every component compose runs,
 * each an OS process, from the repository's files; prints where each listens and runs until Ctrl-C, which stops them
 * all. Arguments: the repository's folder, and a working folder (default: a new temporary one).
 */
public final class ProcessClusterMain {

    private ProcessClusterMain() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]).toAbsolutePath();
        Path work = args.length > 1 ? Path.of(args[1]).toAbsolutePath() : Files.createTempDirectory("plantline-cluster");
        System.out.println("Starting the process cluster in " + work + " (each process logs there) ...");
        ProcessCluster cluster = ProcessCluster.start(ProcessCluster.Options.of(root, work, true), null);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                cluster.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }, "process-cluster-stop"));
        System.out.println("Process cluster is up; Ctrl-C stops it.");
        System.out.println("  Kafka bootstrap  " + cluster.kafka().bootstrapServers() + " (3 KRaft brokers)");
        System.out.println("  PostgreSQL       " + cluster.postgres().jdbcUrl() + " (user " + PostgresProcess.USER
                + ", password " + ProcessCluster.SECRETS.get("PLANTLINE_DB_PASSWORD") + ")");
        System.out.println("  Flink            " + cluster.flink().restUrl() + " (JobManager with ZooKeeper HA, "
                + cluster.flink().runningTaskManagers() + " TaskManagers; jobs submitted by docker/submit-jobs.sh)");
        System.out.println("  Mosquitto        tcp://127.0.0.1:" + cluster.mosquitto().port()
                + " (simulator: plantline-simulator / " + ProcessCluster.SIMULATOR_PASSWORD + ")");
        for (ProcessCluster.Service api : cluster.apis()) {
            System.out.println("  " + api.name() + "    http://127.0.0.1:" + api.port() + "/api/v1 (" + ProcessCluster.ADMIN_EMAIL
                    + " / " + ProcessCluster.SECRETS.get("PLANTLINE_ADMIN_PASSWORD") + ")");
        }
        for (ProcessCluster.Service bridge : cluster.bridges()) {
            System.out.println("  " + bridge.name() + "         http://127.0.0.1:" + bridge.port() + "/health");
        }
        Thread.currentThread().join();
    }
}
