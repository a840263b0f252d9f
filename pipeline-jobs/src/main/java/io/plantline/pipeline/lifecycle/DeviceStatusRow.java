package io.plantline.pipeline.lifecycle;

/** The job's liveness columns of one {@code devices} row. */
public record DeviceStatusRow(String orgSlug, String deviceId, boolean online, long lastSeenAt) {
}
