package io.plantline.api.notifications;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Channel secrets at rest (a webhook's signing secret, an SMS gateway's header values), sealed with AES-256-GCM under
 * the server's key ({@code --secrets-key}). A sealed value is {@code enc:v1:<key id>:<base64url of IV and
 * ciphertext>}; the key id (the first 8 hex digits of the key's SHA-256) lets a value sealed under a previous key
 * ({@code --secrets-previous-keys}) still be opened, and {@link #isCurrent} tells which to seal again after a
 * rotation. The associated data binds each value to its organisation, channel and field, so a value copied to
 * another row does not open.
 */
final class SecretBox {

    private static final String PREFIX = "enc:v1:";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String currentId;
    private final Map<String, SecretKeySpec> keys = new LinkedHashMap<>();

    /** {@code current} seals; it and each of {@code previous} open. Each key is 32 bytes. */
    SecretBox(byte[] current, List<byte[]> previous) {
        this.currentId = add(current);
        previous.forEach(this::add);
    }

    private String add(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("a secrets key is 32 bytes (base64 of 32 random bytes)");
        }
        String id = keyId(key);
        keys.putIfAbsent(id, new SecretKeySpec(key, "AES"));
        return id;
    }

    String seal(String plain, String context) {
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        byte[] sealed = crypt(Cipher.ENCRYPT_MODE, keys.get(currentId), iv, context,
                plain.getBytes(StandardCharsets.UTF_8));
        byte[] stored = new byte[IV_BYTES + sealed.length];
        System.arraycopy(iv, 0, stored, 0, IV_BYTES);
        System.arraycopy(sealed, 0, stored, IV_BYTES, sealed.length);
        return PREFIX + currentId + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(stored);
    }

    /** The plain value; a value stored before sealing existed is returned as it is (and sealed by the next reseal). */
    String open(String stored, String context) {
        if (!stored.startsWith(PREFIX)) {
            return stored;
        }
        String[] parts = stored.substring(PREFIX.length()).split(":", 2);
        SecretKeySpec key = keys.get(parts[0]);
        if (key == null || parts.length < 2) {
            throw new IllegalStateException("a channel secret is sealed under key " + parts[0]
                    + ", which is neither --secrets-key nor one of --secrets-previous-keys");
        }
        byte[] bytes = Base64.getUrlDecoder().decode(parts[1]);
        byte[] iv = java.util.Arrays.copyOf(bytes, IV_BYTES);
        byte[] sealed = java.util.Arrays.copyOfRange(bytes, IV_BYTES, bytes.length);
        return new String(crypt(Cipher.DECRYPT_MODE, key, iv, context, sealed), StandardCharsets.UTF_8);
    }

    /** Whether {@code stored} is sealed under the current key (else it is plain, or under a previous key). */
    boolean isCurrent(String stored) {
        return stored.startsWith(PREFIX + currentId + ":");
    }

    private static byte[] crypt(int mode, SecretKeySpec key, byte[] iv, String context, byte[] input) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a channel secret does not open with its key (altered, or moved from"
                    + " another channel)", e);
        }
    }

    static String keyId(byte[] key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key)).substring(0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
