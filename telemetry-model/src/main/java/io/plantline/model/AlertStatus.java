package io.plantline.model;

/**
 * An alert's status. The job opens (ACTIVE) and clears (CLEARED); people acknowledge and resolve.
 * An alert is open while ACTIVE or ACKNOWLEDGED; at most one per device and rule is open.
 */
public enum AlertStatus {
    ACTIVE,
    ACKNOWLEDGED,
    CLEARED,
    RESOLVED;

    public boolean isOpen() {
        return this == ACTIVE || this == ACKNOWLEDGED;
    }
}
