package io.plantline.simulator;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The simulator's settings, from {@code --name=value} arguments, else {@code PLANTLINE_SIM_NAME}
 * environment variables, else the defaults below.
 *
 * @param mqttHost          broker host ({@code --mqtt-host}, default 127.0.0.1)
 * @param mqttPort          broker port ({@code --mqtt-port}, default 1883)
 * @param orgSlug           organisation the machines belong to ({@code --org}, default {@code demo})
 * @param machines          number of machines ({@code --machines}, default 20)
 * @param groups            machines are spread over this many lines ({@code --groups}, default 4)
 * @param telemetryInterval time between two readings of one machine ({@code --interval-ms}, default 1000)
 * @param seed              random seed, so a run can be repeated ({@code --seed}, default 1)
 */
public record SimulatorOptions(String mqttHost, int mqttPort, String orgSlug, int machines, int groups,
                               Duration telemetryInterval, long seed) {

    public SimulatorOptions {
        if (machines < 1 || machines > 100_000) {
            throw new IllegalArgumentException("--machines must be between 1 and 100000");
        }
        if (groups < 1) {
            throw new IllegalArgumentException("--groups must be at least 1");
        }
        if (telemetryInterval.toMillis() < 10) {
            throw new IllegalArgumentException("--interval-ms must be at least 10");
        }
    }

    public static SimulatorOptions parse(String[] args, Map<String, String> environment) {
        Map<String, String> values = new HashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("arguments are --name=value, not " + arg);
            }
            values.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        java.util.function.BiFunction<String, String, String> setting = (name, fallback) -> values.getOrDefault(name,
                environment.getOrDefault("PLANTLINE_SIM_" + name.toUpperCase().replace('-', '_'), fallback));
        return new SimulatorOptions(
                setting.apply("mqtt-host", "127.0.0.1"),
                Integer.parseInt(setting.apply("mqtt-port", "1883")),
                setting.apply("org", "demo"),
                Integer.parseInt(setting.apply("machines", "20")),
                Integer.parseInt(setting.apply("groups", "4")),
                Duration.ofMillis(Long.parseLong(setting.apply("interval-ms", "1000"))),
                Long.parseLong(setting.apply("seed", "1")));
    }
}
