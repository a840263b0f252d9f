package io.plantline.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConsoleFilesTest {

    @Test
    void missesAreNotRemembered() {
        ConsoleFiles files = new ConsoleFiles();
        assertThat(files.file("console/app.js")).isPresent();
        for (int i = 0; i < 1000; i++) {
            assertThat(files.file("console/missing-" + i + ".js")).isEmpty();
        }
        assertThat(files.cachedFiles()).isEqualTo(1);
    }
}
