package io.plantline.model.json;

import io.plantline.model.DeviceMessage;

/** Bytes from a device, parsed: a valid message, or the reason it is not one. Parsing never throws. */
public sealed interface ParseResult {

    record Accepted(DeviceMessage message) implements ParseResult {
    }

    record Rejected(Rejection rejection) implements ParseResult {
    }
}
