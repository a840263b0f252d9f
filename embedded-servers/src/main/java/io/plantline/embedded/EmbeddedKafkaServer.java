package io.plantline.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A one-node Kafka (KRaft, broker and controller combined) in this JVM whose log outlives it: local mode's Kafka.
 * The first start formats {@code logDirectory}; later ones open it as it is, after a clean stop or a {@code kill -9}
 * (Kafka recovers the segments a kill left open), so records the bridge had acknowledged and the jobs not yet read,
 * and the jobs' committed offsets, are still there.
 *
 * <p>A one-node Kafka acknowledges a record once it is in the operating system's page cache, which a {@code kill -9}
 * of the process does not lose but a power cut does. With {@link Durability#FLUSH_EVERY_WRITE} the log is flushed
 * to disk after every write (one {@code fsync} per produce request, not per record), before the record is
 * acknowledged, so an acknowledged record also survives a power cut.
 */
public final class EmbeddedKafkaServer implements AutoCloseable {

    private static final int NODE_ID = 1;
    private static final String CLIENT_LISTENER = "CLIENTS";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final Duration READY_WITHIN = Duration.ofSeconds(60);

    /** When the log reaches the disk. */
    public enum Durability {
        /** Kafka's default: the operating system writes the page cache out when it sees fit. */
        PAGE_CACHE,
        /** Flushed after every write, before the write is acknowledged. */
        FLUSH_EVERY_WRITE
    }

    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private EmbeddedKafkaServer(KafkaRaftServer server, String bootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Starts the server on {@code port} (0: a free one) with its log in {@code logDirectory}, formatting it on first
     * use, and waits until it answers clients. Records are kept for {@code retention}, and reach the disk as
     * {@code durability} says.
     */
    public static EmbeddedKafkaServer start(int port, Path logDirectory, Duration retention, Durability durability) {
        try {
            Files.createDirectories(logDirectory);
            int clientPort = port != 0 ? port : FreePorts.pick();
            // The controller's port may change between starts: a one-voter quorum named in the settings.
            int controllerPort = FreePorts.pick();
            Map<String, Object> settings = new HashMap<>(SingleNodeKafkaSettings.byTime(retention));
            settings.put("process.roles", "broker,controller");
            settings.put("node.id", Integer.toString(NODE_ID));
            settings.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
            settings.put("controller.listener.names", CONTROLLER_LISTENER);
            settings.put("inter.broker.listener.name", CLIENT_LISTENER);
            settings.put("listeners", CLIENT_LISTENER + "://127.0.0.1:" + clientPort + ","
                    + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
            settings.put("advertised.listeners", CLIENT_LISTENER + "://127.0.0.1:" + clientPort);
            settings.put("listener.security.protocol.map", CLIENT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
            settings.put("log.dirs", logDirectory.toString());
            if (durability == Durability.FLUSH_EVERY_WRITE) {
                settings.put("log.flush.interval.messages", "1");
            }
            KafkaConfig config = new KafkaConfig(settings, false);
            formatOnFirstUse(logDirectory);
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            String bootstrap = "127.0.0.1:" + clientPort;
            awaitReady(bootstrap);
            return new EmbeddedKafkaServer(server, bootstrap);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Kafka in " + logDirectory, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start Kafka in " + logDirectory + ": " + e.getMessage(), e);
        }
    }

    /** Writes the cluster's identity into an empty log directory; a formatted one is left as it is. */
    private static void formatOnFirstUse(Path logDirectory) throws Exception {
        if (Files.exists(logDirectory.resolve("meta.properties"))) {
            return;
        }
        new Formatter()
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logDirectory.toString()))
                .setMetadataLogDirectory(logDirectory.toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
                .run();
    }

    private static void awaitReady(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.describeCluster().nodes().get(READY_WITHIN.toSeconds(), TimeUnit.SECONDS);
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
