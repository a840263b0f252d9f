package io.plantline.api.devices;

import io.plantline.model.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Device write keys: {@code plk_<prefix>_<secret>}. The prefix is stored in clear to find the device and tell keys
 * apart; the whole key only as a SHA-256 hash (it carries 256 random bits, so a slow hash would add nothing but
 * latency to every ingested message).
 */
public final class WriteKeys {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern FORMAT = Pattern.compile("plk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})");

    /** A new key as shown once to the user, with what is stored of it. */
    public record Issued(String key, String prefix, String hash) {
    }

    private WriteKeys() {
    }

    public static Issued issue() {
        byte[] prefix = new byte[8];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(prefix);
        RANDOM.nextBytes(secret);
        String key = "plk_" + HexFormat.of().formatHex(prefix) + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new Issued(key, HexFormat.of().formatHex(prefix), hash(key));
    }

    /** The prefix of a presented key, if it has the shape of one. */
    public static Optional<String> prefix(String key) {
        Matcher matcher = FORMAT.matcher(key == null ? "" : key);
        return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    public static boolean matches(String key, String storedHash) {
        return storedHash != null && MessageDigest.isEqual(
                hash(key).getBytes(StandardCharsets.US_ASCII), storedHash.getBytes(StandardCharsets.US_ASCII));
    }

    private static String hash(String key) {
        return Sha256.hex(key);
    }
}
