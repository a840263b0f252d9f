package io.plantline.api.ota;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ByteRangeTest {

    private static final long SIZE = 1000;

    @Test
    void aSingleRangeIsServedAndOneBeyondTheEndIsUnsatisfiable() {
        assertThat(ByteRange.of(Optional.of("bytes=100-199"), SIZE)).isEqualTo(new ByteRange.Part(new ByteRange(100, 199)));
        assertThat(ByteRange.of(Optional.of("bytes=900-"), SIZE)).isEqualTo(new ByteRange.Part(new ByteRange(900, 999)));
        assertThat(ByteRange.of(Optional.of("bytes=-10"), SIZE)).isEqualTo(new ByteRange.Part(new ByteRange(990, 999)));
        assertThat(ByteRange.of(Optional.of("bytes=1000-"), SIZE)).isInstanceOf(ByteRange.Unsatisfiable.class);
        assertThat(ByteRange.of(Optional.of("bytes=0-1,5-9"), SIZE)).isInstanceOf(ByteRange.Whole.class);
    }

    /** Issue 18, item 8: 19 digits overflow a long; that answered 500. */
    @Test
    void positionsBeyondALongAreBeyondTheImage() {
        assertThat(ByteRange.of(Optional.of("bytes=9999999999999999999-"), SIZE)).isInstanceOf(ByteRange.Unsatisfiable.class);
        assertThat(ByteRange.of(Optional.of("bytes=10-9999999999999999999"), SIZE))
                .isEqualTo(new ByteRange.Part(new ByteRange(10, 999)));
        assertThat(ByteRange.of(Optional.of("bytes=-9999999999999999999"), SIZE))
                .isEqualTo(new ByteRange.Part(new ByteRange(0, 999)));
    }
}
