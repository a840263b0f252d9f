package io.plantline.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    /**
     * Issue 35: the system picks among a few thousand ports and may give one just released again, so ports asked for
     * in a row (six for a local stack, two for each Kafka) could be the same: a thousand picks all but surely meet one.
     */
    @Test
    void aPortIsNeverHandedOutTwice() {
        assertThat(IntStream.range(0, 1000).map(i -> FreePorts.pick()).boxed().toList()).doesNotHaveDuplicates();
    }
}
