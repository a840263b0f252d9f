package io.plantline.pipeline.ingest;

/** A record about one device, with an event time of its own (epoch millis). */
public interface DeviceRecord {

    /** {@code org/device}. */
    String deviceKey();

    long eventTime();
}
