package io.plantline.model.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MqttGrantTest {

    private final MqttGrant press = MqttGrant.device("demo", "xa1", "plk_1");
    private final MqttGrant bridge = MqttGrant.service("plantline-bridge", List.of("plantline/+/+/commands"),
            List.of("plantline/+/+/+"));

    @Test
    void aDevicePublishesToItsOwnTopicsOnlyAndNeverToItsCommands() {
        assertThat(press.allowsPublish("plantline/demo/xa1/telemetry")).isTrue();
        assertThat(press.allowsPublish("plantline/demo/xb1/telemetry")).isFalse();
        assertThat(press.allowsPublish("plantline/demo/xa10/telemetry")).isFalse();
        assertThat(press.allowsPublish("plantline/demo/xa1/telemetry/more")).isFalse();
        assertThat(press.allowsPublish("plantline/demo/xa1/commands")).isFalse();
    }

    @Test
    void aDeviceConnectsUnderItsUserNameOnlyAndAServiceUnderIdsBeginningWithItsName() {
        assertThat(press.allowsClientId("demo/xa1")).isTrue();
        assertThat(press.allowsClientId("demo/xa10")).isFalse();
        assertThat(press.allowsClientId("plantline-bridge-1")).isFalse();
        assertThat(bridge.allowsClientId("plantline-bridge-1.2")).isTrue();
        assertThat(bridge.allowsClientId("demo/xa1")).isFalse();
    }

    @Test
    void aTrailingHashMatchesAnyDepth() {
        assertThat(MqttGrant.matches("plantline/#", "plantline/demo/xa1/telemetry")).isTrue();
        assertThat(MqttGrant.matches("plantline/+", "plantline/demo/xa1")).isFalse();
    }
}
