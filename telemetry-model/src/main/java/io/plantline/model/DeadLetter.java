package io.plantline.model;

import io.plantline.model.json.Rejection;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A record the system could not use, kept with its reason and its raw bytes on {@code factory.dead-letter}.
 * {@code source} names the process that refused it ({@code bridge}, {@code api}, a job's name) and
 * {@code origin} where the bytes came from (an MQTT topic, a Kafka topic-partition@offset, an HTTP path).
 * Raw bytes beyond {@link #MAX_RAW_BYTES} are cut so a dead letter always fits a Kafka record;
 * {@code rawSize} keeps the original length.
 */
public record DeadLetter(Instant at, String source, String reason, String detail, String origin,
                         String key, byte[] raw, int rawSize) {

    public static final int MAX_RAW_BYTES = 256 * 1024;

    public DeadLetter {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(origin, "origin");
        raw = raw == null ? new byte[0] : Arrays.copyOf(raw, Math.min(raw.length, MAX_RAW_BYTES));
    }

    public static DeadLetter of(Instant at, String source, Rejection rejection, String origin, String key, byte[] raw) {
        return new DeadLetter(at, source, rejection.reason().code(), rejection.detail(), origin, key, raw,
                raw == null ? 0 : raw.length);
    }

    public boolean truncated() {
        return raw.length < rawSize;
    }

    @Override
    public byte[] raw() {
        return raw.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DeadLetter that
                && at.equals(that.at) && source.equals(that.source) && reason.equals(that.reason)
                && detail.equals(that.detail) && origin.equals(that.origin) && Objects.equals(key, that.key)
                && Arrays.equals(raw, that.raw) && rawSize == that.rawSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(at, source, reason, detail, origin, key, Arrays.hashCode(raw), rawSize);
    }

    @Override
    public String toString() {
        return "DeadLetter[" + source + " " + reason + " at " + origin + ": " + detail + ", " + rawSize + " bytes]";
    }
}
