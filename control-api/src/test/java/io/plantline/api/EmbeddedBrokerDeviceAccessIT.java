package io.plantline.api;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.plantline.api.db.Database;
import io.plantline.api.mqtt.RegistryMqttAccess;
import io.plantline.api.mqtt.ServiceAccount;
import io.plantline.embedded.EmbeddedMqttBroker;
import io.plantline.embedded.InboundPublishes;
import io.plantline.model.Topics;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device access on local mode's broker, configured as local mode configures it: HiveMQ CE with the registry's access
 * policy, handing every device message to the bridge before acknowledging it (here to a bridge that stores at once).
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class EmbeddedBrokerDeviceAccessIT extends DeviceMqttAccessContract {

    /** Takes what local mode's bridge takes, and keeps the topics for the test to read. */
    private static final class HandedToBridge implements InboundPublishes {

        final BlockingQueue<String> topics = new LinkedBlockingQueue<>();

        @Override
        public boolean takes(String topic) {
            return Topics.isDeviceUplink(topic);
        }

        @Override
        public CompletableFuture<Void> take(String topic, byte[] payload, boolean atLeastOnce) {
            topics.add(topic);
            return CompletableFuture.completedFuture(null);
        }
    }

    private static final HandedToBridge HANDED_TO_BRIDGE = new HandedToBridge();
    private static TestApi server;
    private static Database registry;
    private static EmbeddedMqttBroker broker;
    private static Setup setup;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka, @TempDir Path folder) {
        server = TestApi.start(database, kafka);
        registry = new Database(database.jdbcUrl(), 2, Duration.ofSeconds(5));
        broker = EmbeddedMqttBroker.start(0, folder, HANDED_TO_BRIDGE, new RegistryMqttAccess(registry,
                List.of(ServiceAccount.bridge(BRIDGE_PASSWORD))));
        setup = new Setup(server, server.organisation(TestApi.uniqueSlug("embedded-access")), broker.port());
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
        registry.close();
        server.close();
    }

    @Override
    Setup setup() {
        return setup;
    }

    /** In local mode the broker hands device messages to the bridge; it does not deliver them to its subscription. */
    @Override
    Uplinks uplinks(Mqtt5BlockingClient bridge) {
        HANDED_TO_BRIDGE.topics.clear();
        return new Uplinks() {
            @Override
            public Optional<String> next(Duration within) throws InterruptedException {
                return Optional.ofNullable(HANDED_TO_BRIDGE.topics.poll(within.toMillis(), TimeUnit.MILLISECONDS));
            }

            @Override
            public void close() {
            }
        };
    }
}
