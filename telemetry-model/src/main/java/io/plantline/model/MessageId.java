package io.plantline.model;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * What makes two deliveries of a device's message the same message (the contract's MQTT section): the device's own
 * {@code msgId} where it gave one, else a digest of the payload bytes as the device sent them, which include its
 * {@code ts}. A QoS 1 redelivery or an HTTP retry has the same identity; the jobs count it once.
 *
 * @param msgId         the device's identifier, at most {@link #MAX_MSG_ID_CHARS} characters, or null
 * @param payloadDigest 16 hex digits (the first 64 bits of the payload's SHA-256) where there is no msgId, or null
 *                      for a message the platform built itself ({@link #NONE}), identified by its content instead
 */
public record MessageId(String msgId, String payloadDigest) {

    public static final int MAX_MSG_ID_CHARS = 64;
    public static final MessageId NONE = new MessageId(null, null);
    public static final int DIGEST_CHARS = 16;
    private static final long KIND_MIX = 0x9E3779B97F4A7C15L;

    public MessageId {
        if (msgId != null && (msgId.isEmpty() || msgId.length() > MAX_MSG_ID_CHARS)) {
            throw new IllegalArgumentException("msgId must have 1 to " + MAX_MSG_ID_CHARS + " characters");
        }
        if (payloadDigest != null && (msgId != null || !isDigest(payloadDigest))) {
            throw new IllegalArgumentException("a payload digest is 16 hex digits, only where there is no msgId");
        }
    }

    /** 16 lower-case hex digits, checked by hand since every record without a msgId carries one. */
    private static boolean isDigest(String text) {
        if (text.length() != DIGEST_CHARS) {
            return false;
        }
        for (int i = 0; i < DIGEST_CHARS; i++) {
            char c = text.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    public static MessageId given(String msgId) {
        return new MessageId(msgId, null);
    }

    /** The identity of a message without a msgId: its payload bytes. */
    public static MessageId ofPayload(byte[] payload) {
        return new MessageId(null, HexFormat.of().formatHex(Sha256.digest(payload), 0, Long.BYTES));
    }

    public boolean isKnown() {
        return msgId != null || payloadDigest != null;
    }

    /**
     * A 64-bit key for the jobs to remember a message of {@code kind} by, so a repeat of it is recognised; equal for
     * the same message, different (but for a chance of 2^-64) for any other.
     */
    public long key(MessageKind kind) {
        if (!isKnown()) {
            throw new IllegalStateException("a message without identity has no key");
        }
        long base = msgId != null
                ? ByteBuffer.wrap(Sha256.digest(("msgId:" + msgId).getBytes(StandardCharsets.UTF_8))).getLong()
                : Long.parseUnsignedLong(payloadDigest, 16);
        return base ^ (kind.ordinal() + 1) * KIND_MIX;
    }

}
