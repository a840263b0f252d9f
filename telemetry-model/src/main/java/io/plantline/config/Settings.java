package io.plantline.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Settings of a Plantline process, read once at start-up: {@code --name=value} arguments win over the
 * environment variable {@code PREFIX_NAME} (upper case, dashes as underscores), which wins over the
 * default. Unknown argument names are refused, so a typo never silently falls back to a default.
 */
public final class Settings {

    private final String environmentPrefix;
    private final Map<String, String> arguments;
    private final Map<String, String> environment;

    private Settings(String environmentPrefix, Map<String, String> arguments, Map<String, String> environment) {
        this.environmentPrefix = environmentPrefix;
        this.arguments = arguments;
        this.environment = environment;
    }

    /** @param known every setting name the process understands */
    public static Settings parse(String[] args, Map<String, String> environment, String environmentPrefix,
                                 Set<String> known) {
        Map<String, String> arguments = new HashMap<>();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (!arg.startsWith("--") || equals < 3) {
                throw new IllegalArgumentException("arguments are --name=value, not '" + arg + "'");
            }
            String name = arg.substring(2, equals);
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown setting --" + name + "; known: " + new TreeSet<>(known));
            }
            arguments.put(name, arg.substring(equals + 1));
        }
        return new Settings(environmentPrefix, arguments, environment);
    }

    /**
     * For a process's {@code main}: the parsed options, or the problem on standard error and exit status 2,
     * the usual answer to a bad command line.
     */
    public static <T> T parseOrExit(String program, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            System.err.println(program + ": " + e.getMessage());
            System.exit(2);
            throw e;
        }
    }

    public String string(String name, String fallback) {
        String fromArgument = arguments.get(name);
        if (fromArgument != null) {
            return fromArgument;
        }
        return environment.getOrDefault(environmentVariable(name), fallback);
    }

    /** A switch: {@code true} or {@code false}, anything else refused rather than read as false. */
    public boolean flag(String name, boolean fallback) {
        String text = string(name, String.valueOf(fallback)).trim();
        if (!text.equals("true") && !text.equals("false")) {
            throw new IllegalArgumentException(describe(name) + " must be true or false, not '" + text + "'");
        }
        return text.equals("true");
    }

    /** A decimal setting, for ratios and thresholds. */
    public double decimal(String name, double fallback, double min, double max) {
        return inRange(name, fallback, min, max, Double::parseDouble, "a number");
    }

    public long number(String name, long fallback, long min, long max) {
        return inRange(name, fallback, min, max, Long::parseLong, "a whole number");
    }

    private <T extends Comparable<T>> T inRange(String name, T fallback, T min, T max,
                                               Function<String, T> parse, String kind) {
        String text = string(name, null);
        if (text == null) {
            return fallback;
        }
        T value;
        try {
            value = parse.apply(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(describe(name) + " must be " + kind + ", not '" + text + "'");
        }
        // compareTo, not <, so that NaN (which compares above everything) is out of range too.
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(describe(name) + " must be between " + min + " and " + max
                    + ", not " + value);
        }
        return value;
    }

    private String environmentVariable(String name) {
        return environmentVariable(environmentPrefix, name);
    }

    private static String environmentVariable(String environmentPrefix, String name) {
        return environmentPrefix + "_" + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }

    private String describe(String name) {
        return describe(environmentPrefix, name);
    }

    /** How a user sets it: {@code --name / PREFIX_NAME}, for error messages. */
    public static String describe(String environmentPrefix, String name) {
        return "--" + name + " / " + environmentVariable(environmentPrefix, name);
    }
}
