package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class TamperedTest {

    /** Issue 35: a key ending in "A" was "tampered" into itself by setting its last character to "A". */
    @Test
    void aSecretEndingInAnyCharacterBecomesAnotherThatDecodesToOtherBytes() {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        for (int length : new int[] {32, 31, 30}) { // the last character carries 4, 2 and 6 bits of them
            for (int value = 0; value < 256; value++) {
                byte[] bytes = new byte[length];
                bytes[length - 1] = (byte) value;
                String secret = "prk_0123456789abcdef_" + encoder.encodeToString(bytes);
                String tampered = Tampered.lastCharacter(secret);

                assertThat(tampered).as(secret).isNotEqualTo(secret).hasSameSizeAs(secret)
                        .startsWith(secret.substring(0, secret.length() - 1));
                assertThat(Base64.getUrlDecoder().decode(tampered.substring(21))).as(secret).isNotEqualTo(bytes);
            }
        }
    }

    @Test
    void aSecretNotEndingInABase64urlCharacterIsRefused() {
        assertThatThrownBy(() -> Tampered.lastCharacter("key.")).isInstanceOf(IllegalArgumentException.class);
    }
}
