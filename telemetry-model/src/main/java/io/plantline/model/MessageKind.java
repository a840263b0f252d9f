package io.plantline.model;

import java.util.Arrays;
import java.util.Optional;

/** What a device publishes, by the last segment of its MQTT topic, and where each kind goes in Kafka. */
public enum MessageKind {
    TELEMETRY("telemetry", Topics.TELEMETRY),
    STATE("state", Topics.MACHINE_EVENTS),
    COUNT("count", Topics.MACHINE_EVENTS),
    HEARTBEAT("heartbeat", Topics.DEVICE_EVENTS),
    OTA("ota", Topics.DEVICE_EVENTS);

    private final String wireName;
    private final String kafkaTopic;

    MessageKind(String wireName, String kafkaTopic) {
        this.wireName = wireName;
        this.kafkaTopic = kafkaTopic;
    }

    public String wireName() {
        return wireName;
    }

    public String kafkaTopic() {
        return kafkaTopic;
    }

    public static Optional<MessageKind> fromWireName(String name) {
        return Arrays.stream(values()).filter(kind -> kind.wireName.equals(name)).findFirst();
    }
}
