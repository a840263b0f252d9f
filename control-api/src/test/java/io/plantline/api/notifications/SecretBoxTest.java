package io.plantline.api.notifications;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretBoxTest {

    private static final byte[] OLD = key(1);
    private static final byte[] NEW = key(2);

    @Test
    void aValueSealedUnderThePreviousKeyOpensAfterARotationAndIsToBeSealedAgain() {
        String sealed = new SecretBox(OLD, List.of()).seal("whsec_abc", "acme/c1/signingSecret");
        assertThat(sealed).startsWith("enc:v1:").doesNotContain("whsec_abc");

        SecretBox rotated = new SecretBox(NEW, List.of(OLD));
        assertThat(rotated.open(sealed, "acme/c1/signingSecret")).isEqualTo("whsec_abc");
        assertThat(rotated.isCurrent(sealed)).isFalse();
        assertThat(rotated.isCurrent(rotated.seal("whsec_abc", "acme/c1/signingSecret"))).isTrue();
        assertThatThrownBy(() -> new SecretBox(NEW, List.of()).open(sealed, "acme/c1/signingSecret"))
                .hasMessageContaining("--secrets-previous-keys");
    }

    @Test
    void aValueDoesNotOpenInAnotherChannel() {
        SecretBox box = new SecretBox(NEW, List.of());
        String sealed = box.seal("whsec_abc", "acme/c1/signingSecret");
        assertThatThrownBy(() -> box.open(sealed, "evil/c2/signingSecret")).isInstanceOf(IllegalStateException.class);
        assertThat(box.open("legacy plain text", "acme/c1/signingSecret")).isEqualTo("legacy plain text");
    }

    private static byte[] key(int fill) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) fill);
        return key;
    }
}
