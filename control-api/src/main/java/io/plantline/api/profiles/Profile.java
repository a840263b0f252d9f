package io.plantline.api.profiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.api.http.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A device profile as the API shows and stores it: the metrics a type of device reports (name, unit, valid range),
 * its configuration fields (name, type, default), and what happens to a reading outside it ({@code reject} or
 * {@code flag}).
 */
public record Profile(String profileId, String name, List<Metric> metrics, List<ConfigField> configFields,
                      String outsideProfile, Instant createdAt, Instant updatedAt) {

    public record Metric(String name, String unit, Double min, Double max) {
    }

    /** {@code type}: {@code number}, {@code string} or {@code boolean}; {@code defaultValue} of that type, or null. */
    public record ConfigField(String name, String type, JsonNode defaultValue) {

        boolean accepts(JsonNode value) {
            return switch (type) {
                case "number" -> value.isNumber();
                case "string" -> value.isTextual();
                default -> value.isBoolean();
            };
        }
    }

    /**
     * The configuration completed with the defaults of the fields it lacks; {@code problems} gets a field of another
     * type than declared, a field the profile does not declare, and a declared field without default that is missing.
     * A profile that declares no configuration fields leaves the configuration free.
     */
    public ObjectNode completed(ObjectNode config, List<String> problems) {
        if (configFields.isEmpty()) {
            return config;
        }
        ObjectNode completed = Json.MAPPER.createObjectNode();
        List<String> declared = new ArrayList<>();
        for (ConfigField field : configFields) {
            declared.add(field.name());
            JsonNode value = config.get(field.name());
            if (value == null || value.isNull()) {
                if (field.defaultValue() == null || field.defaultValue().isNull()) {
                    problems.add("config." + field.name() + " is required by profile " + profileId);
                } else {
                    completed.set(field.name(), field.defaultValue());
                }
            } else if (!field.accepts(value)) {
                problems.add("config." + field.name() + " must be a " + field.type() + " (profile " + profileId + ")");
            } else {
                completed.set(field.name(), value);
            }
        }
        config.fieldNames().forEachRemaining(name -> {
            if (!declared.contains(name)) {
                problems.add("config." + name + " is not a field of profile " + profileId);
            }
        });
        return completed;
    }
}
