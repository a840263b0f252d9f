package io.plantline.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the fields of a JSON request body and collects every problem instead of stopping at the first, so a
 * client learns all it must fix from one 400. A JSON null counts as absent. Call {@link #check()} when done.
 */
public final class Fields {

    private final ObjectNode body;
    private final List<String> problems = new ArrayList<>();

    /** Fields outside {@code allowed} are problems too: a misspelt field must not be ignored silently. */
    public Fields(ObjectNode body, String... allowed) {
        this.body = body;
        Set<String> known = Set.of(allowed);
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                problems.add("unknown field: " + clip(name));
            }
        }
    }

    public boolean has(String name) {
        JsonNode node = body.get(name);
        return node != null && !node.isNull();
    }

    public Optional<String> text(String name, int maxLength) {
        if (!has(name)) {
            return Optional.empty();
        }
        JsonNode node = body.get(name);
        if (!node.isTextual()) {
            problems.add(name + " must be a string");
            return Optional.empty();
        }
        if (node.textValue().length() > maxLength) {
            problems.add(name + " must be at most " + maxLength + " characters");
            return Optional.empty();
        }
        return Optional.of(node.textValue());
    }

    public Optional<String> matching(String name, Pattern pattern) {
        Optional<String> text = text(name, 1000);
        if (text.isPresent() && !pattern.matcher(text.get()).matches()) {
            problems.add(name + " must match " + pattern.pattern());
            return Optional.empty();
        }
        return text;
    }

    public Optional<String> oneOf(String name, Set<String> allowed) {
        Optional<String> text = text(name, 100);
        if (text.isPresent() && !allowed.contains(text.get())) {
            problems.add(name + " must be one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
            return Optional.empty();
        }
        return text;
    }

    /** A field's JSON as sent, for a nested value its caller checks itself. */
    public Optional<JsonNode> node(String name) {
        return has(name) ? Optional.of(body.get(name)) : Optional.empty();
    }

    /** An ISO-8601 instant ({@code 2026-12-07T06:00:00Z}). */
    public Optional<Instant> instant(String name) {
        Optional<String> text = text(name, 64);
        try {
            return text.map(Instant::parse);
        } catch (DateTimeParseException e) {
            problems.add(name + " must be an ISO-8601 instant such as 2026-11-01T00:00:00Z");
            return Optional.empty();
        }
    }

    public Optional<Double> number(String name) {
        if (!has(name)) {
            return Optional.empty();
        }
        JsonNode node = body.get(name);
        if (!node.isNumber() || !Double.isFinite(node.doubleValue())) {
            problems.add(name + " must be a finite number");
            return Optional.empty();
        }
        return Optional.of(node.doubleValue());
    }

    public Optional<Integer> integer(String name, int min, int max) {
        if (!has(name)) {
            return Optional.empty();
        }
        JsonNode node = body.get(name);
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.intValue() < min || node.intValue() > max) {
            problems.add(name + " must be a whole number between " + min + " and " + max);
            return Optional.empty();
        }
        return Optional.of(node.intValue());
    }

    public Optional<Boolean> bool(String name) {
        if (!has(name)) {
            return Optional.empty();
        }
        JsonNode node = body.get(name);
        if (!node.isBoolean()) {
            problems.add(name + " must be true or false");
            return Optional.empty();
        }
        return Optional.of(node.booleanValue());
    }

    public Optional<ObjectNode> object(String name, int maxFields) {
        if (!has(name)) {
            return Optional.empty();
        }
        JsonNode node = body.get(name);
        if (!node.isObject() || node.size() > maxFields) {
            problems.add(name + " must be an object of at most " + maxFields + " fields");
            return Optional.empty();
        }
        return Optional.of((ObjectNode) node);
    }

    /** A list of distinct strings, each matching {@code pattern}. */
    public Optional<List<String>> textList(String name, Pattern pattern, int maxItems) {
        if (!has(name)) {
            return Optional.empty();
        }
        JsonNode node = body.get(name);
        if (!node.isArray() || node.size() > maxItems) {
            problems.add(name + " must be a list of at most " + maxItems + " strings");
            return Optional.empty();
        }
        Set<String> values = new LinkedHashSet<>();
        for (JsonNode item : node) {
            if (!item.isTextual() || !pattern.matcher(item.textValue()).matches()) {
                problems.add(name + " items must be strings matching " + pattern.pattern());
                return Optional.empty();
            }
            values.add(item.textValue());
        }
        return Optional.of(List.copyOf(values));
    }

    public <T> T required(String name, Optional<T> value) {
        if (value.isEmpty() && !has(name)) {
            problems.add(name + " is required");
        }
        return value.orElse(null);
    }

    public void problem(String problem) {
        problems.add(problem);
    }

    /** The problems so far, for a nested object's fields reported under its parent's name. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** Throws the 400 with every problem found so far, if there is any. */
    public void check() {
        ApiException.throwIfAny(problems);
    }

    private static String clip(String text) {
        return text.length() > 64 ? text.substring(0, 64) + "..." : text;
    }
}
