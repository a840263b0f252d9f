package io.plantline.bridge;

import io.plantline.testing.TestMqttBroker;

/**
 * The bridge's window for a test's broker. Mosquitto 2.0.11 and 2.0.12 (this machine's, and Debian 12's) send a
 * subscriber more unacknowledged QoS 1 messages than its Receive Maximum once a backlog is larger than it; the client
 * then disconnects and delivery stalls (README). Against an external broker the tests give the window room for their
 * backlogs (up to 1,000 messages) and, unless a test chooses otherwise, keep it whole on one connection; against the
 * embedded broker they run with the defaults.
 */
final class BrokerWindow {

    private BrokerWindow() {
    }

    /** {@code settings}, and for an external broker those that let a window of 1,000 of the largest packets fit. */
    static String[] with(TestMqttBroker broker, String... settings) {
        if (broker.embedded()) {
            return settings;
        }
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(settings));
        all.add("--max-in-flight-bytes=" + (1000L * (256 + 64) * 1024));
        if (all.stream().noneMatch(setting -> setting.startsWith("--mqtt-connections="))) {
            all.add("--mqtt-connections=1");
        }
        return all.toArray(String[]::new);
    }
}
