package io.plantline.model;

/** What happened to an alert; each one is a record on {@code factory.alerts}. */
public enum AlertTransition {
    OPENED,
    ESCALATED,
    CLEARED,
    ACKNOWLEDGED,
    RESOLVED
}
