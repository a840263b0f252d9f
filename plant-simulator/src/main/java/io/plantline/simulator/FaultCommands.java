package io.plantline.simulator;

import java.time.Duration;

/**
 * Typed commands that inject faults into a running simulator, so every alerting and data-quality
 * feature can be seen on demand: {@code breach 3 60}, {@code spike all}, {@code shift 7},
 * {@code malformed 2 10}, {@code help}. Each answers with one line saying what it did.
 */
public final class FaultCommands {

    public static final String HELP = String.join(System.lineSeparator(),
            "breach <machine|all> [seconds]   temperature above 95 for that long (default 60 s)",
            "spike <machine|all>              one vibration reading ten times its level",
            "shift <machine|all>              vibration jumps to a new level and stays there",
            "malformed <machine|all> [n]      n payloads that break the contract (default 5)",
            "ota-fault <machine|all> <fault>  how its next firmware updates fail: checksum (corrupted download),",
            "                                 silent (never answers), rollback (back on the old version), none",
            "help                             this list");

    private final PlantSimulator simulator;

    public FaultCommands(PlantSimulator simulator) {
        this.simulator = simulator;
    }

    public String run(String line) {
        String[] words = line.trim().split("\\s+");
        if (words.length == 0 || words[0].isEmpty()) {
            return "";
        }
        try {
            return switch (words[0]) {
                case "breach" -> {
                    Duration duration = Duration.ofSeconds(number(words, 2, 60));
                    yield done(words, "temperature breach for " + duration.toSeconds() + " s",
                            (machine, now) -> machine.injectBreach(now, duration));
                }
                case "spike" -> done(words, "vibration spike", (machine, now) -> machine.injectSpike());
                case "shift" -> done(words, "vibration level shift", (machine, now) -> machine.injectLevelShift());
                case "malformed" -> {
                    int count = (int) number(words, 2, 5);
                    yield done(words, count + " malformed payloads", (machine, now) -> machine.injectMalformed(count));
                }
                case "ota-fault" -> {
                    OtaClient.Fault fault = otaFault(words);
                    yield done(words, "OTA fault " + fault.name().toLowerCase(java.util.Locale.ROOT),
                            (machine, now) -> simulator.setOtaFault(machine, fault));
                }
                case "help" -> HELP;
                default -> "unknown command '" + words[0] + "'; type help";
            };
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    private String done(String[] words, String what, java.util.function.BiConsumer<SimulatedMachine, java.time.Instant> fault) {
        if (words.length < 2) {
            throw new IllegalArgumentException(words[0] + " needs a machine number, id or 'all'");
        }
        int machines = simulator.inject(words[1], fault);
        return machines == 0 ? "no machine named '" + words[1] + "'" : what + " on " + machines + " machine(s)";
    }

    private static OtaClient.Fault otaFault(String[] words) {
        try {
            return OtaClient.Fault.valueOf(words.length > 2 ? words[2].toUpperCase(java.util.Locale.ROOT) : "");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ota-fault needs a fault: checksum, silent, rollback or none");
        }
    }

    private static long number(String[] words, int index, long fallback) {
        if (words.length <= index) {
            return fallback;
        }
        try {
            long value = Long.parseLong(words[index]);
            if (value < 1 || value > 86_400) {
                throw new IllegalArgumentException("'" + words[index] + "' must be between 1 and 86400");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + words[index] + "' is not a number");
        }
    }
}
