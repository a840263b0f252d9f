package io.plantline.model.mqtt;

import java.util.List;
import java.util.regex.Pattern;

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

    private static final Pattern LEVEL = Pattern.compile("/");

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

    /**
     * Whether a client of this grant may connect under {@code clientId}: a device only under its user name
     * ({@code org/device}), a service under ids beginning with its name. No client can then take over another's
     * session, neither a device's nor the bridge's; service names hold no {@code /}, so no device id begins with one.
     */
    public boolean allowsClientId(String clientId) {
        return isDevice() ? principal.equals(clientId) : clientId.startsWith(principal);
    }

    /** Whether the grant lets its client publish to {@code topic}: denials first, then anything allowed. */
    public boolean allowsPublish(String topic) {
        return deniedPublish.stream().noneMatch(filter -> matches(filter, topic))
                && publish.stream().anyMatch(filter -> matches(filter, topic));
    }

    /** MQTT topic filter matching: {@code +} is one level, a trailing {@code #} any number of levels. */
    static boolean matches(String filter, String topic) {
        String[] filterLevels = LEVEL.split(filter, -1);
        String[] topicLevels = LEVEL.split(topic, -1);
        for (int level = 0; level < filterLevels.length; level++) {
            if (filterLevels[level].equals("#")) {
                return true;
            }
            if (level >= topicLevels.length
                    || !(filterLevels[level].equals("+") || filterLevels[level].equals(topicLevels[level]))) {
                return false;
            }
        }
        return filterLevels.length == topicLevels.length;
    }
}
