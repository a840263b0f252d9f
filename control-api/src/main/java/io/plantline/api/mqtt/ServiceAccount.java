package io.plantline.api.mqtt;

import io.plantline.model.Topics;
import io.plantline.model.mqtt.MqttGrant;
import java.util.List;

/**
 * A platform service's MQTT account: its user name, password and rights. The bridge reads every device's messages
 * (shared or not) and sends commands; the simulator speaks for the devices of its organisation.
 */
public record ServiceAccount(String username, String password, MqttGrant grant) {

    public static final String BRIDGE = "plantline-bridge";
    public static final String SIMULATOR = "plantline-simulator";

    public ServiceAccount {
        if (password.length() < 16) {
            throw new IllegalArgumentException("the MQTT password of " + username + " must have at least 16 characters");
        }
    }

    public static ServiceAccount bridge(String password) {
        String anyDevice = Topics.MQTT_ROOT + "/+/+/";
        return new ServiceAccount(BRIDGE, password, MqttGrant.service(BRIDGE,
                List.of(anyDevice + Topics.COMMANDS_KIND), List.of(Topics.MQTT_DEVICE_FILTER)));
    }

    /** The simulator of {@code orgSlug}'s plant; {@code +} lets it play any organisation's (local mode). */
    public static ServiceAccount simulator(String orgSlug, String password) {
        String devices = Topics.MQTT_ROOT + "/" + orgSlug + "/+/";
        return new ServiceAccount(SIMULATOR, password, new MqttGrant(SIMULATOR, "",
                List.of(devices + Topics.COMMANDS_KIND), List.of(devices + "+"), List.of(devices + Topics.COMMANDS_KIND)));
    }
}
