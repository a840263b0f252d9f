package io.plantline.local;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Some embedded servers print to {@code System.out} (Kafka's storage formatter does); in local mode the
 * console belongs to the status line, so such output is sent to the log file, one log line per line.
 */
final class StdoutToLog extends OutputStream {

    private static final Logger LOG = LoggerFactory.getLogger("stdout");
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            flushLine();
        } else {
            line.write(b);
        }
    }

    @Override
    public synchronized void flush() {
        flushLine();
    }

    private void flushLine() {
        if (line.size() > 0) {
            LOG.info(line.toString(StandardCharsets.UTF_8));
            line.reset();
        }
    }
}
