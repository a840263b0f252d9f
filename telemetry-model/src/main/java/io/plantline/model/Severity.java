package io.plantline.model;

/** Alert severities, least to most severe; escalation only ever moves up this list. */
public enum Severity {
    INFO,
    WARNING,
    MAJOR,
    CRITICAL
}
