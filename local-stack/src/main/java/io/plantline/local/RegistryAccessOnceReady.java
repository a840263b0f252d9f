package io.plantline.local;

import io.plantline.model.mqtt.MqttAccessPolicy;
import io.plantline.model.mqtt.MqttGrant;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;

/**
 * The embedded broker's access policy, given to it before the registry's database is up (they start side by side):
 * until the registry's policy is attached every client is turned away with "server unavailable", so it tries again.
 */
final class RegistryAccessOnceReady implements MqttAccessPolicy {

    private volatile MqttAccessPolicy registry;

    void attach(MqttAccessPolicy registry) {
        this.registry = registry;
    }

    @Override
    public Optional<MqttGrant> authenticate(String username, String password) {
        return ready().authenticate(username, password);
    }

    @Override
    public Set<MqttGrant> revoked(Collection<MqttGrant> granted) {
        return registry == null ? Set.of() : registry.revoked(granted);
    }

    private MqttAccessPolicy ready() {
        MqttAccessPolicy attached = registry;
        if (attached == null) {
            throw new IllegalStateException("the device registry is not up yet");
        }
        return attached;
    }
}
