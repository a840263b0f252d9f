package io.plantline.api.mqtt;

import io.plantline.api.db.Database;
import io.plantline.api.devices.DeviceKeys;
import io.plantline.model.DeviceRef;
import io.plantline.model.mqtt.MqttAccessPolicy;
import io.plantline.model.mqtt.MqttGrant;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * MQTT access from the device registry: a device connects with user name {@code org/device} and its write key as the
 * password, and is admitted while it is enabled and that key is its current one; the services connect with their
 * accounts. A grant names the key's prefix, so a grant of a rotated key no longer holds.
 */
public final class RegistryMqttAccess implements MqttAccessPolicy {

    private final Database database;
    private final List<ServiceAccount> services;

    public RegistryMqttAccess(Database database, List<ServiceAccount> services) {
        this.database = database;
        this.services = List.copyOf(services);
    }

    @Override
    public Optional<MqttGrant> authenticate(String username, String password) {
        Optional<ServiceAccount> service = services.stream().filter(account -> account.username().equals(username))
                .findFirst();
        if (service.isPresent()) {
            return sameText(password, service.get().password()) ? Optional.of(service.get().grant()) : Optional.empty();
        }
        Optional<DeviceRef> device = deviceOf(username);
        Optional<String> prefix = DeviceKeys.prefix(DeviceKeys.Scope.WRITE, password);
        if (device.isEmpty() || prefix.isEmpty()) {
            return Optional.empty();
        }
        return database.one("SELECT write_key_hash FROM devices"
                                + " WHERE org_slug = ? AND device_id = ? AND enabled AND write_key_prefix = ?",
                        row -> row.getString(1), device.get().orgSlug(), device.get().deviceId(), prefix.get())
                .filter(hash -> DeviceKeys.matches(password, hash))
                .map(hash -> MqttGrant.device(device.get().orgSlug(), device.get().deviceId(), prefix.get()));
    }

    @Override
    public Set<MqttGrant> revoked(Collection<MqttGrant> granted) {
        List<MqttGrant> devices = granted.stream().filter(MqttGrant::isDevice).toList();
        if (devices.isEmpty()) {
            return Set.of();
        }
        List<DeviceRef> refs = devices.stream().map(grant -> deviceOf(grant.principal()).orElseThrow()).toList();
        String[] orgs = refs.stream().map(DeviceRef::orgSlug).toArray(String[]::new);
        String[] ids = refs.stream().map(DeviceRef::deviceId).toArray(String[]::new);
        Set<MqttGrant> holding = new HashSet<>(database.list(
                "SELECT d.org_slug, d.device_id, d.write_key_prefix FROM devices d"
                        + " JOIN unnest(?, ?) AS granted(org_slug, device_id)"
                        + " ON d.org_slug = granted.org_slug AND d.device_id = granted.device_id"
                        + " WHERE d.enabled AND d.write_key_prefix IS NOT NULL",
                row -> MqttGrant.device(row.getString(1), row.getString(2), row.getString(3)), orgs, ids));
        Set<MqttGrant> revoked = new HashSet<>(devices);
        revoked.removeAll(holding);
        return revoked;
    }

    /** The device a user name {@code org/device} names, if it names one. */
    static Optional<DeviceRef> deviceOf(String username) {
        int slash = username.indexOf('/');
        return slash < 0 ? Optional.empty() : DeviceRef.tryOf(username.substring(0, slash), username.substring(slash + 1));
    }

    private static boolean sameText(String presented, String expected) {
        return MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }
}
