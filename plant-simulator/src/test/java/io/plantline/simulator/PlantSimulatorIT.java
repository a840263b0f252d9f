package io.plantline.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.plantline.model.MessageKind;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.ParseResult;
import io.plantline.testing.MqttBrokerExtension;
import io.plantline.testing.TestMqttBroker;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The simulator against a real broker (embedded HiveMQ, or Mosquitto through PLANTLINE_TEST_MQTT_URI). */
@ExtendWith(MqttBrokerExtension.class)
class PlantSimulatorIT {

    private final DeviceMessageCodec codec = DeviceMessageCodec.withDefaults();

    @Test
    void publishesEveryKindForEveryMachineAndFaultsOnDemand(TestMqttBroker broker) {
        String org = TestMqttBroker.uniqueOrgSlug();
        ConcurrentLinkedQueue<ParseResult> received = new ConcurrentLinkedQueue<>();
        Mqtt5AsyncClient subscriber = MqttClient.builder().useMqttVersion5().serverHost(broker.host())
                .serverPort(broker.port()).buildAsync();
        subscriber.connect().join();
        subscriber.subscribeWith().topicFilter("plantline/" + org + "/+/+").qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> received.add(codec.parseMqtt(publish.getTopic().toString(),
                        publish.getPayloadAsBytes(), Instant.now())))
                .send().join();

        SimulatorOptions options = SimulatorOptions.parse(new String[] {"--mqtt-host=" + broker.host(),
                "--mqtt-port=" + broker.port(), "--org=" + org, "--machines=3", "--interval-ms=100"}, Map.of());
        try (PlantSimulator simulator = new PlantSimulator(options, Clock.systemUTC())) {
            simulator.start();
            Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> received.size() >= 60);
            String answer = new FaultCommands(simulator).run("malformed 2 4");
            assertThat(answer).isEqualTo("4 malformed payloads on 1 machine(s)");
            Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() ->
                    received.stream().filter(ParseResult.Rejected.class::isInstance).count() >= 4);
            Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> simulator.published() >= received.size() - 10);
            assertThat(simulator.failed()).isZero();
        } finally {
            subscriber.disconnect().join();
        }

        List<ParseResult.Accepted> accepted = received.stream().filter(ParseResult.Accepted.class::isInstance)
                .map(ParseResult.Accepted.class::cast).toList();
        assertThat(accepted.stream().map(ok -> ok.message().device().deviceId()).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("machine-01", "machine-02", "machine-03");
        assertThat(accepted.stream().map(ok -> ok.message().kind()).collect(Collectors.toSet()))
                .contains(MessageKind.TELEMETRY, MessageKind.STATE, MessageKind.HEARTBEAT);
        assertThat(received.stream().filter(ParseResult.Rejected.class::isInstance).count()).isEqualTo(4);
    }
}
