package io.plantline.pipeline.lifecycle;

/** The firmware columns of one {@code devices} row: what it runs, ran before, and is being updated to (null: none). */
public record FirmwareRow(String orgSlug, String deviceId, String current, String previous, String target) {
}
