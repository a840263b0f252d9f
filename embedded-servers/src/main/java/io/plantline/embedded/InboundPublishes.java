package io.plantline.embedded;

import java.util.concurrent.CompletableFuture;

/**
 * Takes clients' publishes inside the embedded broker, before the broker acknowledges them: the client's QoS 1
 * publish is acknowledged only once {@link #take} completes, and with an error reason code if it fails, so the client
 * sends it again. A publish taken is not delivered to subscribers. Publishes on topics it does not take are delivered
 * as usual.
 */
public interface InboundPublishes {

    /** Whether publishes on {@code topic} are taken here. */
    boolean takes(String topic);

    /** Takes one publish; completes when whatever it was handed to has it for good. */
    CompletableFuture<Void> take(String topic, byte[] payload, boolean atLeastOnce);
}
