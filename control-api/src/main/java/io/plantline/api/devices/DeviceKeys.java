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
 * A device's keys: {@code plk_<prefix>_<secret>} writes (MQTT log-in, HTTP ingestion, reports), {@code prk_<prefix>_<secret>}
 * only reads (its configuration, metadata and latest readings). The prefix is stored in clear to find the device and
 * tell keys apart; the whole key only as a SHA-256 hash (it carries 256 random bits, so a slow hash would add nothing
 * but latency to every ingested message).
 */
public final class DeviceKeys {

    /** What a key allows; the word in front of a key says which it is. */
    public enum Scope {
        WRITE("plk"), READ("prk");

        private final Pattern format;
        private final String word;

        Scope(String word) {
            this.word = word;
            this.format = Pattern.compile(word + "_([0-9a-f]{16})_([A-Za-z0-9_-]{43})");
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new key as shown once to the user, with what is stored of it. */
    public record Issued(Scope scope, String key, String prefix, String hash) {
    }

    private DeviceKeys() {
    }

    public static Issued issue(Scope scope) {
        byte[] prefix = new byte[8];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(prefix);
        RANDOM.nextBytes(secret);
        String key = scope.word + "_" + HexFormat.of().formatHex(prefix) + "_"
                + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new Issued(scope, key, HexFormat.of().formatHex(prefix), hash(key));
    }

    /** The prefix of a presented key, if it has the shape of a key of {@code scope}. */
    public static Optional<String> prefix(Scope scope, String key) {
        Matcher matcher = scope.format.matcher(key == null ? "" : key);
        return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    /** The scope a presented key claims by its shape; it proves nothing until {@link #matches} says so. */
    public static Optional<Scope> scopeOf(String key) {
        for (Scope scope : Scope.values()) {
            if (prefix(scope, key).isPresent()) {
                return Optional.of(scope);
            }
        }
        return Optional.empty();
    }

    public static boolean matches(String key, String storedHash) {
        return storedHash != null && MessageDigest.isEqual(
                hash(key).getBytes(StandardCharsets.US_ASCII), storedHash.getBytes(StandardCharsets.US_ASCII));
    }

    private static String hash(String key) {
        return Sha256.hex(key);
    }
}
