package io.plantline.bridge;

import io.plantline.testing.TestMqttBroker;

/**
 * The bridge's window for a test's broker. Mosquitto 2.0.11 and 2.0.12 (this machine's, and Debian 12's) send a
 * subscriber more unacknowledged QoS 1 messages than its Receive Maximum once a backlog is larger than it; the client
 * then disconnects and delivery stalls (README). Against an external broker the tests give the window room for their
 * backlogs (up to 1,000 messages); against the embedded broker they run with the defaults.
 */
final class BrokerWindow {

    private BrokerWindow() {
    }

    /** {@code settings}, and for an external broker the one that lets a window of 1,000 of the largest packets fit. */
    static String[] with(TestMqttBroker broker, String... settings) {
        return broker.embedded() ? settings : java.util.stream.Stream.concat(java.util.Arrays.stream(settings),
                java.util.stream.Stream.of("--max-in-flight-bytes=" + (1000L * (256 + 64) * 1024))).toArray(String[]::new);
    }
}
