package io.plantline.api;

/**
 * Secrets a test presents forged: the real one with one character changed, so it is certainly another. Replacing a
 * character with a fixed one ({@code "A"}) gives the same secret back whenever it already ends in that character.
 */
final class Tampered {

    private static final String BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private Tampered() {
    }

    /**
     * {@code secret}, whose last character is a base64url one (a device key, a JWT's signature), with that character
     * replaced by the one half the alphabet away. It is always another character, and it differs in the highest of
     * its six bits, which even the last character of a base64 text carries: the decoded bytes differ too, where a
     * decoder ignores the unused low bits of a last character.
     */
    static String lastCharacter(String secret) {
        int last = secret.length() - 1;
        int index = BASE64URL.indexOf(secret.charAt(last));
        if (index < 0) {
            throw new IllegalArgumentException("does not end in a base64url character: " + secret);
        }
        return secret.substring(0, last) + BASE64URL.charAt((index + BASE64URL.length() / 2) % BASE64URL.length());
    }
}
