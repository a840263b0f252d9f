package io.plantline.embedded;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A one-node Kafka (KRaft, broker and controller combined) in this JVM for tests and benchmarks, which can stop and
 * start its broker as an outage; its log is deleted on close ({@link EmbeddedKafkaServer} keeps its log). With
 * {@code port} 0 clients use the test kit's own listener on a free port; with a fixed port an extra listener named
 * {@code PLANTLINE} is added, because the test kit binds its own listeners to ports it picks.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

    private static final String FIXED_LISTENER = "PLANTLINE";

    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;

    private EmbeddedKafkaCluster(KafkaClusterTestKit cluster, String bootstrapServers) {
        this.cluster = cluster;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Starts the broker with its logs under {@code baseDirectory} (deleted on close) and a retention that
     * keeps local disk use bounded: per partition at most {@code retentionBytesPerPartition}.
     */
    public static EmbeddedKafkaCluster start(int port, Path baseDirectory, long retentionBytesPerPartition) {
        try {
            TestKitNodes nodes = new TestKitNodes.Builder(productionMetadata())
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBaseDirectory(baseDirectory)
                    .build();
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
            SingleNodeKafkaSettings.of(retentionBytesPerPartition).forEach(builder::setConfigProp);
            if (port != 0) {
                String brokerListener = nodes.brokerListenerName().value();
                String controllerListener = nodes.controllerListenerName().value();
                builder.setConfigProp("listeners", brokerListener + "://localhost:0," + controllerListener
                                + "://localhost:0," + FIXED_LISTENER + "://127.0.0.1:" + port)
                        .setConfigProp("listener.security.protocol.map", brokerListener + ":PLAINTEXT,"
                                + controllerListener + ":PLAINTEXT," + FIXED_LISTENER + ":PLAINTEXT");
            }
            KafkaClusterTestKit cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            String bootstrap = port == 0 ? cluster.bootstrapServers() : "127.0.0.1:" + port;
            return new EmbeddedKafkaCluster(cluster, bootstrap);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting Kafka", e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the embedded Kafka broker", e);
        }
    }

    /**
     * The test kit boots at the newest testing metadata version, with features not yet released; tests and benchmarks
     * run against what a released broker runs, as {@link EmbeddedKafkaServer} does.
     */
    private static BootstrapMetadata productionMetadata() {
        MetadataVersion version = MetadataVersion.latestProduction();
        Map<String, Short> features = Feature.PRODUCTION_FEATURES.stream()
                .collect(Collectors.toMap(Feature::featureName, feature -> feature.defaultLevel(version)));
        return BootstrapMetadata.fromVersions(version, features, "plantline");
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Stops the broker (the controller stays up), as an outage for the clients; {@link #startBroker} ends it. */
    public void stopBroker() {
        cluster.brokers().values().forEach(broker -> {
            broker.shutdown();
            broker.awaitShutdown();
        });
    }

    /** Starts the broker stopped by {@link #stopBroker} again, with its data and on its ports. */
    public void startBroker() {
        cluster.brokers().values().forEach(kafka.server.BrokerServer::startup);
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
