package io.plantline.bridge;

import io.plantline.config.Settings;
import java.time.Clock;

/** Runs the bridge as its own process; settings in {@link BridgeOptions}. Stops cleanly on SIGTERM / Ctrl-C. */
public final class BridgeMain {

    private BridgeMain() {
    }

    public static void main(String[] args) throws Exception {
        BridgeOptions options = Settings.parseOrExit("mqtt-kafka-bridge", () -> BridgeOptions.parse(args, System.getenv()));
        MqttKafkaBridge bridge = new MqttKafkaBridge(options, Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(bridge::close, "bridge-shutdown"));
        bridge.start();
        Thread.currentThread().join();
    }
}
