package io.plantline.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BridgeOptionsTest {

    @Test
    void aShareGroupGetsAConnectionPerCoreAndAPlainSubscriptionOne() {
        assertThat(BridgeOptions.parse(new String[0], Map.of()).mqttConnections())
                .isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(BridgeOptions.parse(new String[] {"--share-group="}, Map.of()).mqttConnections()).isEqualTo(1);
        assertThat(BridgeOptions.parse(new String[0], Map.of("PLANTLINE_BRIDGE_MQTT_CONNECTIONS", "3")).mqttConnections())
                .isEqualTo(3);
    }

    @Test
    void severalConnectionsWithoutAShareGroupAreRefused() {
        assertThatThrownBy(() -> BridgeOptions.parse(new String[] {"--share-group=", "--mqtt-connections=2"}, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--mqtt-connections").hasMessageContaining("--share-group");
    }

    @Test
    void theConnectionsShareTheWindow() {
        BridgeOptions four = BridgeOptions.parse(new String[] {"--mqtt-connections=4", "--max-in-flight=1000",
                "--max-in-flight-bytes=" + (1000L * (256 + 64) * 1024)}, Map.of());
        assertThat(MqttKafkaBridge.window(four)).isEqualTo(250);
        BridgeOptions small = BridgeOptions.parse(new String[] {"--mqtt-connections=4", "--max-in-flight-bytes=1048576"},
                Map.of());
        assertThat(MqttKafkaBridge.window(small)).as("never below one message").isEqualTo(1);
    }
}
