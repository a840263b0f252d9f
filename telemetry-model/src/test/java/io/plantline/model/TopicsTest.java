package io.plantline.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicsTest {

    private static final DeviceRef PRESS = new DeviceRef("acme", "press-7");

    @Test
    void mqttTopicRoundTripsForEveryKind() {
        for (MessageKind kind : MessageKind.values()) {
            assertThat(Topics.parseMqttTopic(Topics.mqttTopic(PRESS, kind)))
                    .contains(new Topics.DeviceTopic(PRESS, kind));
        }
    }

    @Test
    void kindsGoToTheirKafkaTopics() {
        assertThat(MessageKind.TELEMETRY.kafkaTopic()).isEqualTo("factory.telemetry");
        assertThat(MessageKind.STATE.kafkaTopic()).isEqualTo("factory.machine-events");
        assertThat(MessageKind.COUNT.kafkaTopic()).isEqualTo("factory.machine-events");
        assertThat(MessageKind.HEARTBEAT.kafkaTopic()).isEqualTo("factory.device-events");
        assertThat(MessageKind.OTA.kafkaTopic()).isEqualTo("factory.device-events");
    }

    @Test
    void commandsTopicIsNotADeviceMessageTopic() {
        assertThat(Topics.mqttCommandTopic(PRESS)).isEqualTo("plantline/acme/press-7/commands");
        assertThat(Topics.parseMqttTopic(Topics.mqttCommandTopic(PRESS))).isEmpty();
    }

    @Test
    void kafkaKeyIsOrgSlashDevice() {
        assertThat(PRESS.key()).isEqualTo("acme/press-7");
        assertThat(DeviceRef.fromKey("acme/press-7")).contains(PRESS);
        assertThat(DeviceRef.fromKey("acme")).isEmpty();
        assertThat(DeviceRef.fromKey("acme/press/7")).isEmpty();
    }
}
