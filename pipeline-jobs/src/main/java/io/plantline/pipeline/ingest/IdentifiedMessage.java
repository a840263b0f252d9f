package io.plantline.pipeline.ingest;

/**
 * A device message as a job carries it, with what {@link DuplicateDeliveries} needs to count it once: the key of
 * its identity ({@link io.plantline.model.MessageId#key}; 0 for records that are not deduplicated) and its event time.
 */
public interface IdentifiedMessage extends DeviceRecord {

    /** Not deduplicated: a repeat changes nothing, so remembering it would only cost state. */
    long NOT_DEDUPLICATED = 0;

    long messageKey();
}
