package io.plantline.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256: firmware image checksums (the server and the devices compute the same), secrets with 256
 * random bits (refresh tokens, write keys), where a slow hash adds nothing, and device messages' identities.
 */
public final class Sha256 {

    /** One per thread: the jobs take a digest per message, and getInstance per call cost more than the hash. */
    private static final ThreadLocal<MessageDigest> DIGESTS = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    });

    private Sha256() {
    }

    public static String hex(String text) {
        return hex(text.getBytes(StandardCharsets.UTF_8));
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(digest(bytes));
    }

    public static byte[] digest(byte[] bytes) {
        // digest() resets the instance, so the next call on this thread starts afresh.
        return DIGESTS.get().digest(bytes);
    }
}
