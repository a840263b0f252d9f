package io.plantline.api.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;

/**
 * bcrypt password hashes. The cost is a setting (12 in production, about a quarter second here, so guessing is
 * slow; the minimum in tests). bcrypt reads at most 72 bytes, so longer passwords are refused, not truncated.
 */
public final class PasswordHasher {

    public static final int MIN_LENGTH = 10;
    public static final int MAX_BYTES = 72;

    private final int cost;
    /** Compared against when the e-mail is unknown, so a login takes as long whether or not the user exists. */
    private final String decoy;

    public PasswordHasher(int cost) {
        this.cost = cost;
        this.decoy = hash("decoy-password-never-matches");
    }

    public String hash(String password) {
        return BCrypt.withDefaults().hashToString(cost, password.toCharArray());
    }

    public boolean matches(String password, String hash) {
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return false;
        }
        return BCrypt.verifyer().verify(password.toCharArray(), hash == null ? decoy : hash).verified && hash != null;
    }

    /** Why a new password is refused, or null when it is acceptable. */
    public static String problem(String password) {
        if (password.length() < MIN_LENGTH) {
            return "password must be at least " + MIN_LENGTH + " characters";
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return "password must be at most " + MAX_BYTES + " bytes in UTF-8";
        }
        return null;
    }
}
