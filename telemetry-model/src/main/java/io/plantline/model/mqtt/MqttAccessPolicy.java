package io.plantline.model.mqtt;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;

/**
 * Who may use an MQTT broker and on which topics: the registry's devices, each with its own key, and the platform's
 * services. The embedded broker asks it at every connection and reviews connected clients with it.
 */
public interface MqttAccessPolicy {

    /** The grant of a client presenting these credentials, or empty to refuse it. May block (it may read a database). */
    Optional<MqttGrant> authenticate(String username, String password);

    /** Which of these grants, held by connected clients, no longer hold: the device was disabled, deleted or rekeyed. */
    Set<MqttGrant> revoked(Collection<MqttGrant> granted);
}
