package io.plantline.simulator;

import io.plantline.config.Settings;
import io.plantline.model.DeviceRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Map;
import java.util.Set;

/**
 * The simulator's settings ({@link Settings}: {@code --name=value} arguments, else
 * {@code PLANTLINE_SIM_NAME} environment variables, else the defaults below).
 *
 * @param mqttHost          broker host ({@code --mqtt-host}, default 127.0.0.1)
 * @param mqttPort          broker port ({@code --mqtt-port}, default 1883)
 * @param orgSlug           organisation the machines belong to ({@code --org}, default {@code demo})
 * @param machines          number of machines ({@code --machines}, default 20)
 * @param groups            machines are spread over this many lines ({@code --groups}, default 4)
 * @param telemetryInterval time between two readings of one machine ({@code --interval-ms}, default 1000)
 * @param seed              random seed, so a run can be repeated ({@code --seed}, default 1)
 * @param ackLog            when set ({@code --ack-log=<file>}), every message is sent again until the broker
 *                          acknowledges it, and each acknowledged one is logged there, so a fault test can compare
 *                          what the plant was told was received with what was counted
 * @param mqttUsername      the simulator's MQTT account ({@code --mqtt-username}, default {@code plantline-simulator}),
 *                          used when a password is given
 * @param mqttPassword      its password ({@code --mqtt-password}, best as {@code PLANTLINE_SIM_MQTT_PASSWORD}); empty
 *                          connects anonymously, which only an open broker accepts
 */
public record SimulatorOptions(String mqttHost, int mqttPort, String orgSlug, int machines, int groups,
                               Duration telemetryInterval, long seed, Optional<Path> ackLog, String mqttUsername,
                               String mqttPassword) {

    public SimulatorOptions {
        if (!DeviceRef.ORG_SLUG.matcher(orgSlug).matches()) {
            throw new IllegalArgumentException("--org must be an organisation slug (" + DeviceRef.ORG_SLUG.pattern() + ")");
        }
    }

    /** The same plant, publishing to another broker. */
    public SimulatorOptions atBroker(String host, int port) {
        return new SimulatorOptions(host, port, orgSlug, machines, groups, telemetryInterval, seed, ackLog, mqttUsername,
                mqttPassword);
    }

    /** The same plant with an MQTT account. */
    public SimulatorOptions withMqttAccount(String username, String password) {
        return new SimulatorOptions(mqttHost, mqttPort, orgSlug, machines, groups, telemetryInterval, seed, ackLog, username,
                password);
    }

    static final Set<String> NAMES = Set.of("mqtt-host", "mqtt-port", "org", "machines", "groups", "interval-ms", "seed",
            "ack-log", "mqtt-username", "mqtt-password");

    public static SimulatorOptions parse(String[] args, Map<String, String> environment) {
        Settings settings = Settings.parse(args, environment, "PLANTLINE_SIM", NAMES);
        return new SimulatorOptions(
                settings.string("mqtt-host", "127.0.0.1"),
                (int) settings.number("mqtt-port", 1883, 1, 65535),
                settings.string("org", "demo"),
                (int) settings.number("machines", 20, 1, 100_000),
                (int) settings.number("groups", 4, 1, 1000),
                Duration.ofMillis(settings.number("interval-ms", 1000, 10, 3_600_000)),
                settings.number("seed", 1, Long.MIN_VALUE, Long.MAX_VALUE),
                Optional.of(settings.string("ack-log", "")).filter(file -> !file.isEmpty()).map(Path::of),
                settings.string("mqtt-username", "plantline-simulator"),
                settings.string("mqtt-password", ""));
    }
}
