package io.plantline.local;

import io.plantline.bridge.MqttKafkaBridge;
import io.plantline.embedded.InboundPublishes;
import io.plantline.model.Topics;
import java.util.concurrent.CompletableFuture;

/**
 * Local mode's broker hands device messages straight to the bridge before it acknowledges them, so a device is told
 * "received" only once Kafka has its message: the broker runs in the stack's own process and keeps its queues in
 * memory, and a message acknowledged but still queued for the bridge would die with a {@code kill -9} of the stack.
 * Until the bridge is attached, publishes are answered with an error and the device sends them again.
 */
final class BridgeInbound implements InboundPublishes {

    private volatile MqttKafkaBridge bridge;

    void attach(MqttKafkaBridge bridge) {
        this.bridge = bridge;
    }

    /** What the bridge subscribes to ({@code plantline/+/+/+}), but for the commands the bridge sends devices. */
    @Override
    public boolean takes(String topic) {
        return Topics.isDeviceUplink(topic);
    }

    @Override
    public CompletableFuture<Void> take(String topic, byte[] payload, boolean atLeastOnce) {
        MqttKafkaBridge current = bridge;
        return current == null
                ? CompletableFuture.failedFuture(new IllegalStateException("the bridge is not running yet"))
                : current.take(topic, payload, atLeastOnce);
    }
}
