package io.plantline.model;

/** The progress steps a device reports during a firmware update, in the order it goes through them. */
public enum OtaStatus {
    DOWNLOADING,
    DOWNLOADED,
    VERIFIED,
    INSTALLING,
    SUCCEEDED,
    FAILED
}
