package io.plantline.model.mqtt;

import java.util.List;

/**
 * What an authenticated MQTT client may do. Topic filters are checked in order, denials first, and anything not
 * allowed is refused.
 *
 * @param principal       who the client is: {@code org/device} for a device, the service's name otherwise
 * @param credential      which credential it presented (a device's key prefix), so a rotated key can be told apart
 * @param deniedPublish   topic filters it may not publish to, even where {@code publish} would allow it
 * @param publish         topic filters it may publish to
 * @param subscribe       topic filters it may subscribe to, shared or not
 */
public record MqttGrant(String principal, String credential, List<String> deniedPublish, List<String> publish,
                        List<String> subscribe) {

    /**
     * A device publishes to its own topics and reads its own commands; it may not write commands, not even its own,
     * so a device cannot forge a signed firmware link for itself.
     */
    public static MqttGrant device(String org, String device, String credential) {
        String own = "plantline/" + org + "/" + device;
        return new MqttGrant(org + "/" + device, credential, List.of(own + "/commands"), List.of(own + "/+"),
                List.of(own + "/commands"));
    }

    /** A platform service (the bridge, the simulator) with the rights it needs. */
    public static MqttGrant service(String name, List<String> publish, List<String> subscribe) {
        return new MqttGrant(name, "", List.of(), publish, subscribe);
    }

    public boolean isDevice() {
        return principal.contains("/");
    }
}
