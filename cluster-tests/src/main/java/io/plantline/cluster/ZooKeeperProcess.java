package io.plantline.cluster;

import io.plantline.embedded.FreePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A ZooKeeper server in a process of its own (Apache ZooKeeper's {@code ZooKeeperServerMain} from Maven Central, on
 * this test's class path), as Flink's JobManager high availability uses it in compose: the JobManagers elect their
 * leader there and find the jobs and their latest checkpoints after a fail-over.
 */
public final class ZooKeeperProcess implements AutoCloseable {

    private final Process process;
    private final int port;

    private ZooKeeperProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static ZooKeeperProcess start(Path workDir) throws Exception {
        int port = FreePorts.pick();
        Path data = Files.createDirectories(workDir.resolve("zookeeper"));
        Process process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-Dzookeeper.admin.enableServer=false", "-cp", System.getProperty("java.class.path"),
                "org.apache.zookeeper.server.ZooKeeperServerMain", Integer.toString(port), data.toString()))
                .redirectErrorStream(true).redirectOutput(workDir.resolve("zookeeper.out").toFile()).start();
        ZooKeeperProcess zooKeeper = new ZooKeeperProcess(process, port);
        try {
            zooKeeper.awaitListening(Duration.ofSeconds(30));
            return zooKeeper;
        } catch (Exception e) {
            zooKeeper.close();
            throw e;
        }
    }

    public String quorum() {
        return "127.0.0.1:" + port;
    }

    private void awaitListening(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("ZooKeeper exited with " + process.exitValue());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("ZooKeeper did not listen within " + timeout.toSeconds() + " s");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
