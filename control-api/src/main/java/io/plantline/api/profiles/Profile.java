package io.plantline.api.profiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.plantline.api.http.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A device profile as the API shows and stores it: the metrics a type of device reports (name, unit, valid range),
 * its configuration fields (name, type, default) and metadata fields (name, default; metadata values are strings),
 * and what happens to a reading outside it ({@code reject} or {@code flag}).
 */
public record Profile(String profileId, String name, List<Metric> metrics, List<ConfigField> configFields,
                      List<MetadataField> metadataFields, String outsideProfile, Instant createdAt, Instant updatedAt) {

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

    /** A metadata entry the device has: {@code defaultValue} when it is not given, or null when it must be. */
    public record MetadataField(String name, String defaultValue) {
    }

    /**
     * The configuration completed with the defaults of the fields it lacks; {@code problems} gets a field of another
     * type than declared, a field the profile does not declare, and a declared field without default that is missing.
     * A profile that declares no configuration fields leaves the configuration free.
     */
    public ObjectNode completedConfig(ObjectNode config, List<String> problems) {
        return completed("config", configFields, config, problems);
    }

    /** The metadata as {@link #completedConfig} completes a configuration, with the profile's metadata fields. */
    public Map<String, String> completedMetadata(Map<String, String> metadata, List<String> problems) {
        List<ConfigField> asFields = metadataFields.stream().map(field -> new ConfigField(field.name(), "string",
                field.defaultValue() == null ? null : TextNode.valueOf(field.defaultValue()))).toList();
        ObjectNode completed = completed("metadata", asFields, Json.MAPPER.valueToTree(metadata), problems);
        Map<String, String> strings = new LinkedHashMap<>();
        completed.fields().forEachRemaining(entry -> strings.put(entry.getKey(), entry.getValue().asText()));
        return strings;
    }

    private ObjectNode completed(String what, List<ConfigField> fields, ObjectNode values, List<String> problems) {
        if (fields.isEmpty()) {
            return values;
        }
        ObjectNode completed = Json.MAPPER.createObjectNode();
        List<String> declared = new ArrayList<>();
        for (ConfigField field : fields) {
            declared.add(field.name());
            JsonNode value = values.get(field.name());
            if (value == null || value.isNull()) {
                if (field.defaultValue() == null || field.defaultValue().isNull()) {
                    problems.add(what + "." + field.name() + " is required by profile " + profileId);
                } else {
                    completed.set(field.name(), field.defaultValue());
                }
            } else if (!field.accepts(value)) {
                problems.add(what + "." + field.name() + " must be a " + field.type() + " (profile " + profileId + ")");
            } else {
                completed.set(field.name(), value);
            }
        }
        values.fieldNames().forEachRemaining(name -> {
            if (!declared.contains(name)) {
                problems.add(what + "." + name + " is not a field of profile " + profileId);
            }
        });
        return completed;
    }
}
