package io.plantline.simulator;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One line per message the broker acknowledged at QoS 1, {@code topic<TAB>payload}, appended as the acknowledgements
 * arrive: what a fault test compares with what the pipeline counted. Flushed every second and on close.
 */
final class AckLog implements AutoCloseable {

    private final BufferedWriter out;

    AckLog(Path file) {
        try {
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the acknowledgement log " + file, e);
        }
    }

    synchronized void acknowledged(Publication publication) {
        try {
            out.write(publication.topic());
            out.write('\t');
            out.write(new String(publication.payload(), StandardCharsets.UTF_8));
            out.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the acknowledgement log", e);
        }
    }

    synchronized void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the acknowledgement log", e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
