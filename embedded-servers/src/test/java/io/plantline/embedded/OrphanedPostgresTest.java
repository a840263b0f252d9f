package io.plantline.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrphanedPostgresTest {

    /**
     * The pid in a kept {@code postmaster.pid} may since have been reused by another PostgreSQL server of the same
     * user: one serving another data directory is left alone.
     */
    @Test
    void aServerOfAnotherDataDirectoryUnderAReusedPidIsNeverStopped(@TempDir Path temp) throws Exception {
        Path dataDirectory = Files.createDirectories(temp.resolve("ours"));
        Path otherDirectory = Files.createDirectories(temp.resolve("theirs"));
        // A stand-in for another PostgreSQL: a process whose program is called postgres, working in another directory.
        Path postgres = Files.copy(Path.of("/bin/sleep"), temp.resolve("postgres"), StandardCopyOption.COPY_ATTRIBUTES);
        Process other = new ProcessBuilder(postgres.toString(), "60").directory(otherDirectory.toFile()).start();
        try {
            Files.writeString(dataDirectory.resolve("postmaster.pid"), other.pid() + "\n" + dataDirectory + "\n",
                    StandardCharsets.UTF_8);

            assertThat(OrphanedPostgres.stopIfAny(dataDirectory)).isEmpty();
            assertThat(other.isAlive()).isTrue();
        } finally {
            other.destroyForcibly().waitFor();
        }
    }
}
