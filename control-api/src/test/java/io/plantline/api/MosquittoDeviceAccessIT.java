package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.plantline.api.db.Database;
import io.plantline.api.devices.DeviceKeys;
import io.plantline.api.mqtt.MosquittoAccounts;
import io.plantline.api.mqtt.ServiceAccount;
import io.plantline.embedded.FreePorts;
import io.plantline.model.DeviceRef;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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

    private boolean connectsAndLeaves(String username, String password) {
        var client = connect(username, password);
        boolean connected = client.getState().isConnected();
        client.disconnect();
        return connected;
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

    /**
     * A device's account is written while the transaction that registers the device is still open, so a review of the
     * accounts may list the account before it can see the device. The account must outlive that moment, or the device
     * is locked out for good (its key is known only when issued).
     */
    @Test
    void anAccountWrittenBeforeItsDeviceIsCommittedSurvivesTheReviews() throws Exception {
        String deviceId = "late-commit-1";
        String username = setup.org().slug() + "/" + deviceId;
        DeviceKeys.Issued key = DeviceKeys.issue(DeviceKeys.Scope.WRITE);
        try (Database database = new Database(server.database.jdbcUrl(), 1, Duration.ofSeconds(5));
             MosquittoAccounts issuer = MosquittoAccounts.start("127.0.0.1", setup.brokerPort(), DynsecMosquitto.ADMIN,
                     DynsecMosquitto.ADMIN_PASSWORD, List.of(), database)) {
            issuer.issued(new DeviceRef(setup.org().slug(), deviceId), key);

            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
                    .until(() -> connectsAndLeaves(username, key.key()));
        }
        server.database.execute("INSERT INTO devices (org_slug, device_id, write_key_hash, write_key_prefix) VALUES ('"
                + setup.org().slug() + "', '" + deviceId + "', '" + key.hash() + "', '" + key.prefix() + "')");
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> connectsAndLeaves(username, key.key()));
    }

    /**
     * A control API that starts (again) writes the services' accounts; one already as it should be is left alone, since
     * replacing it disconnects its clients: the bridges, whose resumed sessions Mosquitto 2.0.11 then stopped serving
     * (bench/cluster-faults.sh). A changed password still replaces it, disconnecting the old password's clients.
     */
    @Test
    void aRestartedApiLeavesAServiceAccountAsItShouldBeAloneAndReplacesAChangedOne() throws Exception {
        Mqtt5BlockingClient bridge = connect(ServiceAccount.BRIDGE, BRIDGE_PASSWORD);
        try (Database database = new Database(server.database.jdbcUrl(), 1, Duration.ofSeconds(5))) {
            try (MosquittoAccounts restarted = MosquittoAccounts.start("127.0.0.1", setup.brokerPort(), DynsecMosquitto.ADMIN,
                    DynsecMosquitto.ADMIN_PASSWORD, List.of(ServiceAccount.bridge(BRIDGE_PASSWORD)), database)) {
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                        .until(() -> bridge.getState().isConnected());
            }
            String rotated = BRIDGE_PASSWORD + "-rotated";
            try (MosquittoAccounts rotating = MosquittoAccounts.start("127.0.0.1", setup.brokerPort(), DynsecMosquitto.ADMIN,
                    DynsecMosquitto.ADMIN_PASSWORD, List.of(ServiceAccount.bridge(rotated)), database)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> !bridge.getState().isConnected());
                assertThat(connectsAndLeaves(ServiceAccount.BRIDGE, rotated)).isTrue();
            }
            MosquittoAccounts.start("127.0.0.1", setup.brokerPort(), DynsecMosquitto.ADMIN,
                    DynsecMosquitto.ADMIN_PASSWORD, List.of(ServiceAccount.bridge(BRIDGE_PASSWORD)), database).close();
        }
    }
}
