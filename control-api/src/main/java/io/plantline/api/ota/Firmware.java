package io.plantline.api.ota;

import java.time.Instant;
import java.util.UUID;

/** A firmware image as the API shows it; the bytes themselves are only served by the download routes. */
public record Firmware(UUID firmwareId, String hardwareModel, String version, long sizeBytes, String sha256,
                       Instant createdAt, UUID createdBy) {
}
