package io.plantline.testing;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Names of a test's own on servers that outlive it or are shared (an external Kafka keeps every topic and record of
 * earlier runs; an external broker serves other engineers' tests at once): 64 random bits, so no run meets another's.
 * Shorter suffixes meet: with 24 bits, two of some five thousand names are the same with even odds.
 */
public final class UniqueNames {

    private static final SecureRandom RANDOM = new SecureRandom();

    private UniqueNames() {
    }

    /** {@code prefix}, a hyphen and {@link #suffix()}. */
    public static String of(String prefix) {
        return prefix + "-" + suffix();
    }

    /** 16 lowercase hex digits: valid in an organisation slug, a topic, a schema name and an MQTT client id. */
    public static String suffix() {
        return HexFormat.of().toHexDigits(RANDOM.nextLong());
    }
}
