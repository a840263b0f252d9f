package io.plantline.model;

import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;

/** The bounds every message is held to, so that no single device can make a record unbounded. */
public final class Limits {

    public static final Pattern METRIC_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final int MAX_METRIC_NAME_CHARS = 64;
    /** A device's code for why a machine stopped (a state's {@code reason}). */
    public static final Pattern REASON_CODE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    public static final Pattern FIRMWARE_VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}");
    /** Ids chosen by the platform or the user: deployments, rules, commands, groups. */
    public static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");

    /** The bridge's default; a configuration may lower or raise it. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;
    /** Room beside the payload in an MQTT packet (topic, properties). */
    public static final int MQTT_PACKET_OVERHEAD_BYTES = 64 * 1024;
    /**
     * The largest MQTT packet the brokers take (both are configured with it) and the bridge accepts: a payload just
     * over {@link #DEFAULT_MAX_PAYLOAD_BYTES} still reaches the bridge and becomes a dead letter, a larger packet is
     * refused by the broker, so no device is told "received" for a message that is then dropped.
     */
    public static final int MAX_MQTT_PACKET_BYTES = DEFAULT_MAX_PAYLOAD_BYTES + MQTT_PACKET_OVERHEAD_BYTES;
    public static final int MAX_METRICS_PER_READING = 256;
    public static final int MAX_MESSAGE_CHARS = 1024;
    /** One count message covers a short interval; more parts than this is a counter reset or a bug. */
    public static final long MAX_PARTS_PER_COUNT = 1_000_000;

    /** Clocks of real devices are wrong; beyond this lead over the receive time a timestamp is refused. */
    public static final Duration DEFAULT_MAX_CLOCK_LEAD = Duration.ofMinutes(5);
    /** Earlier than this is an unset device clock (epoch 0 and friends), not a reading. */
    public static final Instant EARLIEST_TIMESTAMP = Instant.parse("2000-01-01T00:00:00Z");

    private Limits() {
    }

    /** {@link #METRIC_NAME} without a regular expression: every reading checks each of its metric names. */
    public static boolean isMetricName(String name) {
        int length = name.length();
        if (length == 0 || length > MAX_METRIC_NAME_CHARS) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = name.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == '-';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }
}
