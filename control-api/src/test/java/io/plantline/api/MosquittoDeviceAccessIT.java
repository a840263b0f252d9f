package io.plantline.api;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.plantline.embedded.FreePorts;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device access on cluster mode's broker: this machine's Mosquitto with its dynamic-security plugin, whose accounts
 * the API keeps in step with the registry. {@code .ci/run} installs the package; elsewhere the test says it is missing.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class MosquittoDeviceAccessIT extends DeviceMqttAccessContract {

    private static TestApi server;
    private static DynsecMosquitto mosquitto;
    private static Setup setup;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka, @TempDir Path folder) throws Exception {
        assumeTrue(DynsecMosquitto.installed(), "Mosquitto with its dynamic-security plugin is not installed"
                + " (apt-get install mosquitto)");
        int port = FreePorts.pick();
        mosquitto = DynsecMosquitto.start(folder, port);
        server = TestApi.start(database, kafka, "--mosquitto-host=127.0.0.1", "--mosquitto-port=" + port,
                "--mosquitto-admin-user=" + DynsecMosquitto.ADMIN,
                "--mosquitto-admin-password=" + DynsecMosquitto.ADMIN_PASSWORD, "--mqtt-bridge-password=" + BRIDGE_PASSWORD);
        setup = new Setup(server, server.organisation(TestApi.uniqueSlug("mosquitto-access")), port);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (mosquitto != null) {
            mosquitto.close();
        }
    }

    @Override
    Setup setup() {
        return setup;
    }
}
