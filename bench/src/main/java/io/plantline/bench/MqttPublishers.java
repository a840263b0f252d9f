package io.plantline.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * Publishers sending telemetry of {@code devices} devices of one organisation, round robin over {@code connections}
 * MQTT connections, with at most 20,000 messages unacknowledged; {@link #publish} returns once every message is
 * acknowledged (QoS 1) or sent (QoS 0).
 */
record MqttPublishers(int brokerPort, String org, int devices, int connections) {

    private static final int PUBLISH_WINDOW = 20_000;

    /** Registers the organisation and its devices, so that the bridge forwards their messages. */
    void registerDevices(String jdbcUrl) throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl);
             PreparedStatement organisation = connection.prepareStatement(
                     "INSERT INTO organisations (slug, name) VALUES (?, ?)");
             PreparedStatement device = connection.prepareStatement(
                     "INSERT INTO devices (org_slug, device_id) VALUES (?, ?)")) {
            organisation.setString(1, org);
            organisation.setString(2, org);
            organisation.executeUpdate();
            for (int i = 0; i < devices; i++) {
                device.setString(1, org);
                device.setString(2, "device-" + i);
                device.addBatch();
            }
            device.executeBatch();
        }
    }

    void publish(MqttQos qos, int messages) {
        publish(qos, messages, 0);
    }

    /** Each payload padded with {@code payloadBytes} characters. */
    void publish(MqttQos qos, int messages, int payloadBytes) {
        String padding = "x".repeat(payloadBytes);
        List<Mqtt5AsyncClient> publishers = new ArrayList<>();
        for (int p = 0; p < connections; p++) {
            Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5()
                    .identifier("publisher-" + p + "-" + System.nanoTime())
                    .serverHost("127.0.0.1").serverPort(brokerPort).buildAsync();
            client.connect().join();
            publishers.add(client);
        }
        Semaphore window = new Semaphore(PUBLISH_WINDOW);
        for (int i = 0; i < messages; i++) {
            window.acquireUninterruptibly();
            String topic = "plantline/" + org + "/device-" + (i % devices) + "/telemetry";
            byte[] payload = ("{\"ts\":\"" + Instant.now() + "\",\"metrics\":{\"temperature\":" + (60 + i % 20)
                    + ",\"vibration\":2.5,\"seq\":" + i + "},\"pad\":\"" + padding + "\"}").getBytes(StandardCharsets.UTF_8);
            publishers.get(i % connections).publishWith().topic(topic).qos(qos).payload(payload).send()
                    .whenComplete((result, error) -> window.release());
        }
        window.acquireUninterruptibly(PUBLISH_WINDOW);
        publishers.forEach(client -> client.disconnect().join());
    }
}
