package io.plantline.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The repository's {@code docker-compose.yml} and {@code flink-conf/config.yaml} as the process cluster reads them:
 * each process starts with its compose service's environment (compose's {@code ${VAR:?...}} and {@code ${VAR:-default}}
 * filled in) or the Flink configuration file, and changes only the addresses, ports and folders of this machine.
 */
public final class ComposeFile {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z_]+)(?::([?-])([^}]*))?}");

    private final Path root;
    private final Map<String, Object> services;

    @SuppressWarnings("unchecked")
    public ComposeFile(Path root) {
        this.root = root;
        this.services = (Map<String, Object>) yaml(root.resolve("docker-compose.yml")).get("services");
    }

    public Path root() {
        return root;
    }

    /**
     * The environment compose gives {@code service}, with compose's variables taken from {@code variables}: a
     * required one ({@code ${X:?...}}) that is missing fails, as {@code docker compose up} does.
     */
    @SuppressWarnings("unchecked")
    public Map<String, String> environment(String service, Map<String, String> variables) {
        Map<String, Object> definition = (Map<String, Object>) services.get(service);
        if (definition == null) {
            throw new IllegalArgumentException("docker-compose.yml has no service " + service);
        }
        Map<String, String> environment = new LinkedHashMap<>();
        ((Map<String, Object>) definition.getOrDefault("environment", Map.of())).forEach((name, value) ->
                environment.put(name, substitute(String.valueOf(value), variables)));
        return environment;
    }

    /** The settings of {@code flink-conf/config.yaml}, nested keys joined with dots, as Flink reads them. */
    public Map<String, String> flinkConfiguration() {
        Map<String, String> flat = new TreeMap<>();
        flatten("", yaml(flinkConfigurationFile()), flat);
        return flat;
    }

    public Path flinkConfigurationFile() {
        return root.resolve("flink-conf/config.yaml");
    }

    public Path mosquittoConfigurationFile() {
        return root.resolve("mosquitto/mosquitto.conf");
    }

    static String substitute(String value, Map<String, String> variables) {
        Matcher matcher = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String given = variables.get(matcher.group(1));
            String replacement;
            if (given != null && !given.isEmpty()) {
                replacement = given;
            } else if ("?".equals(matcher.group(2))) {
                throw new IllegalArgumentException(matcher.group(3));
            } else {
                replacement = matcher.group(3) == null ? "" : matcher.group(3);
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(out);
        return out.toString().replace("$$", "$");
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Object node, Map<String, String> into) {
        if (node instanceof Map<?, ?> map) {
            ((Map<String, Object>) map).forEach((key, value) -> flatten(prefix.isEmpty() ? key : prefix + "." + key, value, into));
        } else {
            into.put(prefix, String.valueOf(node));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(Path file) {
        try {
            return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
