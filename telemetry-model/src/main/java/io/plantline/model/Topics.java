package io.plantline.model;

import java.util.List;
import java.util.Optional;

/** The names of every MQTT and Kafka topic of the contract, in one place. */
public final class Topics {

    public static final String TELEMETRY = "factory.telemetry";
    public static final String MACHINE_EVENTS = "factory.machine-events";
    public static final String DEVICE_EVENTS = "factory.device-events";
    public static final String RULES = "factory.rules";
    public static final String ALERTS = "factory.alerts";
    public static final String COMMANDS = "factory.commands";
    public static final String DEAD_LETTER = "factory.dead-letter";

    /** Every Kafka topic of the system; {@link #RULES} is the only compacted one. */
    public static final List<String> ALL_KAFKA = List.of(
            TELEMETRY, MACHINE_EVENTS, DEVICE_EVENTS, RULES, ALERTS, COMMANDS, DEAD_LETTER);

    /**
     * How long the Kafka topics keep records, in both modes (Kafka's default, which cluster mode keeps; local mode sets
     * it): a job that falls this far behind loses its oldest unread records.
     */
    public static final java.time.Duration KAFKA_RETENTION = java.time.Duration.ofDays(7);

    /**
     * The consumer group in which a Plantline job ({@code job} as the job names itself) reads its inbound topics and
     * commits, at every checkpoint, the offsets it has processed up to: how far behind it is, for whoever watches.
     */
    public static String jobConsumerGroup(String job) {
        return "plantline-" + job;
    }

    public static final String MQTT_ROOT = "plantline";
    /** Matches every device topic, commands included; a subscriber skips {@link #COMMANDS_KIND}. */
    public static final String MQTT_DEVICE_FILTER = MQTT_ROOT + "/+/+/+";
    public static final String COMMANDS_KIND = "commands";

    private Topics() {
    }

    public static String mqttTopic(DeviceRef device, MessageKind kind) {
        return String.join("/", MQTT_ROOT, device.orgSlug(), device.deviceId(), kind.wireName());
    }

    public static String mqttCommandTopic(DeviceRef device) {
        return String.join("/", MQTT_ROOT, device.orgSlug(), device.deviceId(), COMMANDS_KIND);
    }

    /**
     * Whether {@code topic} is one a device sends on: a device topic ({@link #MQTT_DEVICE_FILTER}) other than the
     * commands the platform sends devices.
     */
    public static boolean isDeviceUplink(String topic) {
        return topic.startsWith(MQTT_ROOT + "/") && topic.split("/", -1).length == 4
                && !topic.endsWith("/" + COMMANDS_KIND);
    }

    /** A device topic split into its device and kind; empty when it is not a device topic of the contract. */
    public static Optional<DeviceTopic> parseMqttTopic(String topic) {
        String[] parts = topic == null ? new String[0] : topic.split("/", -1);
        if (parts.length != 4 || !MQTT_ROOT.equals(parts[0])) {
            return Optional.empty();
        }
        Optional<MessageKind> kind = MessageKind.fromWireName(parts[3]);
        Optional<DeviceRef> device = DeviceRef.tryOf(parts[1], parts[2]);
        return kind.isPresent() && device.isPresent()
                ? Optional.of(new DeviceTopic(device.get(), kind.get()))
                : Optional.empty();
    }

    public record DeviceTopic(DeviceRef device, MessageKind kind) {
    }
}
