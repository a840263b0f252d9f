package io.plantline.bridge;

import java.time.Clock;

/** Runs the bridge as its own process; settings in {@link BridgeOptions}. Stops cleanly on SIGTERM / Ctrl-C. */
public final class BridgeMain {

    private BridgeMain() {
    }

    public static void main(String[] args) throws Exception {
        BridgeOptions options;
        try {
            options = BridgeOptions.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("mqtt-kafka-bridge: " + e.getMessage());
            System.exit(2);
            return;
        }
        MqttKafkaBridge bridge = new MqttKafkaBridge(options, Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(bridge::close, "bridge-shutdown"));
        bridge.start();
        Thread.currentThread().join();
    }
}
