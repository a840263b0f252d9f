package io.plantline.api.devices;

import io.plantline.model.DeviceRef;

/**
 * Told when the API issues a device a write key, inside the transaction that stores it: a broker with accounts of its own
 * needs the key then, the only moment it is known. Throwing refuses the change.
 */
public interface BrokerAccounts {

    /** For brokers that read the registry themselves (local mode's) or none. */
    BrokerAccounts REGISTRY_ONLY = (device, key) -> { };

    /** {@code key}: a write key, the only kind a broker accepts. */
    void issued(DeviceRef device, DeviceKeys.Issued key);
}
