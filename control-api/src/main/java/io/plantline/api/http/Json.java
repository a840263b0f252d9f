package io.plantline.api.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;

/** The API's JSON: times as ISO-8601 strings, request bodies read strictly (no duplicate keys, bounded depth). */
public final class Json {

    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
                    .build())
            .addModule(new JavaTimeModule())
            .addModule(new Jdk8Module())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** Reads JSON this server wrote itself (stored documents), so a failure is a bug, not a client error. */
    public static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read stored " + type.getSimpleName(), e);
        }
    }

    /** The same for a generic type. */
    public static <T> T read(String json, TypeReference<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read stored " + type.getType(), e);
        }
    }

    /** A request body that must be one JSON object; anything else is a 400 naming what was wrong. */
    public static ObjectNode object(byte[] body) {
        return (ObjectNode) body(body, JsonNode::isObject, "object");
    }

    /** A request body that must be one JSON array; anything else is a 400 naming what was wrong. */
    public static JsonNode array(byte[] body) {
        return body(body, JsonNode::isArray, "array");
    }

    private static JsonNode body(byte[] body, java.util.function.Predicate<JsonNode> shape, String what) {
        if (body == null || body.length == 0) {
            throw ApiException.validation(java.util.List.of("a JSON " + what + " body is required"));
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (IOException e) {
            throw ApiException.validation(java.util.List.of("malformed JSON: " + firstLine(e.getMessage())));
        }
        if (node == null || !shape.test(node)) {
            throw ApiException.validation(java.util.List.of("the body must be a JSON " + what));
        }
        return node;
    }

    private static String firstLine(String message) {
        String line = message == null ? "" : message.lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
