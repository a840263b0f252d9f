package io.plantline.pipeline.ingest;

/** A record with an event time of its own, epoch millis. */
public interface Timestamped {

    long eventTime();
}
