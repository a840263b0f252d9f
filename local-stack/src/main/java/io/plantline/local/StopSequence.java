package io.plantline.local;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the local stack started, stopped in {@link StackPart} order whatever order it started in (the servers start
 * side by side, and a part that uses another may start before it). Each stop is logged with its duration.
 */
final class StopSequence implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StopSequence.class);

    private record Started(StackPart part, AutoCloseable closeable) {
    }

    private final List<Started> started = new ArrayList<>();

    /** Adds a part that has started, to be stopped in its turn; safe from the threads that start servers. */
    synchronized <T extends AutoCloseable> T add(StackPart part, T closeable) {
        started.add(new Started(part, closeable));
        return closeable;
    }

    /** Stops every part added so far, in order; a part that fails to stop does not keep the others running. */
    @Override
    public void close() throws Exception {
        List<Started> parts;
        synchronized (this) {
            parts = new ArrayList<>(started);
            started.clear();
        }
        parts.sort(Comparator.comparing(Started::part));
        Exception first = null;
        for (Started part : parts) {
            long begin = System.nanoTime();
            try {
                part.closeable().close();
                LOG.info("stopped {} in {} ms", part.part(), (System.nanoTime() - begin) / 1_000_000);
            } catch (Exception e) {
                LOG.warn("stopping {} failed", part.part(), e);
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
