package io.plantline.api;

import io.plantline.api.db.Database;
import io.plantline.api.mqtt.RegistryMqttAccess;
import io.plantline.api.mqtt.ServiceAccount;
import io.plantline.embedded.EmbeddedMqttBroker;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Device access on local mode's broker: HiveMQ CE with the registry's access policy. */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class EmbeddedBrokerDeviceAccessIT extends DeviceMqttAccessContract {

    private static TestApi server;
    private static Database registry;
    private static EmbeddedMqttBroker broker;
    private static Setup setup;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka, @TempDir Path folder) {
        server = TestApi.start(database, kafka);
        registry = new Database(database.jdbcUrl(), 2, Duration.ofSeconds(5));
        broker = EmbeddedMqttBroker.start(0, folder, new RegistryMqttAccess(registry,
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
}
