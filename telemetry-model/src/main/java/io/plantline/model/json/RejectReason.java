package io.plantline.model.json;

/** Why a record was refused; {@link #code()} is what the dead-letter topic and the metrics carry. */
public enum RejectReason {
    PAYLOAD_TOO_LARGE,
    MALFORMED_JSON,
    INVALID_TOPIC,
    MISSING_FIELD,
    UNKNOWN_FIELD_TYPE,
    NON_FINITE_VALUE,
    INVALID_TIMESTAMP,
    TIMESTAMP_OUT_OF_RANGE,
    INVALID_METRIC_NAME,
    NO_METRICS,
    TOO_MANY_METRICS,
    UNKNOWN_STATE,
    /** A state's {@code reason} that is not a code of the contract. */
    INVALID_REASON,
    INVALID_COUNT,
    UNKNOWN_OTA_STATUS,
    INVALID_VALUE,
    /** Valid, but a reading outside its device's profile: a metric the profile does not declare, or out of range. */
    OUTSIDE_PROFILE,
    /** Well formed, but from a device the registry does not know. */
    UNKNOWN_DEVICE,
    /** Well formed, but from a device an operator disabled. */
    DEVICE_DISABLED,
    /** Valid, but later than a job's allowed lateness: the result it belonged to was already final. */
    TOO_LATE,
    /** Valid, but a step an OTA target cannot take from where it is (backwards, or after it ended). */
    INVALID_TRANSITION,
    /** A job's result row that the database would not store (a constraint it breaks, a value out of range). */
    DATABASE_REFUSED,
    /** A record larger than the Kafka topic it was meant for takes; the dead letter carries as much of it as fits. */
    RECORD_TOO_LARGE;

    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
