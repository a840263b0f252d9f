package io.plantline.model.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.plantline.model.AlertEvent;
import io.plantline.model.OtaTargetEvent;
import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceCommand;
import io.plantline.model.DeviceProfile;
import io.plantline.model.RulesTopicValue;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * JSON for the records the platform itself writes: rules and settings, alert events, commands and
 * dead letters. Times are ISO-8601 strings, absent optionals are omitted, byte arrays are base64.
 * Reading refuses anything a record's own validation refuses, with {@link InvalidRecordException}.
 */
public final class RecordJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .addModule(new Jdk8Module())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .serializationInclusion(JsonInclude.Include.NON_ABSENT)
            .build();

    private RecordJson() {
    }

    public static byte[] write(RulesTopicValue value) {
        return bytes(MAPPER.writerFor(RulesTopicValue.class), value);
    }

    public static RulesTopicValue readRulesTopicValue(byte[] json) {
        return read(json, RulesTopicValue.class);
    }

    public static byte[] write(AlertEvent event) {
        return bytes(MAPPER.writer(), event);
    }

    public static AlertEvent readAlertEvent(byte[] json) {
        return read(json, AlertEvent.class);
    }

    public static byte[] write(OtaTargetEvent event) {
        return bytes(MAPPER.writer(), event);
    }

    public static OtaTargetEvent readOtaTargetEvent(byte[] json) {
        return read(json, OtaTargetEvent.class);
    }

    /** Whether a {@code factory.alerts} record is an OTA step ({@link OtaTargetEvent}) rather than an alert event. */
    public static boolean isOtaTargetEvent(byte[] json) {
        try {
            return MAPPER.readTree(json).has("deploymentId");
        } catch (IOException e) {
            return false;
        }
    }

    public static byte[] write(DeviceCommand command) {
        return bytes(MAPPER.writer(), command);
    }

    public static DeviceCommand readDeviceCommand(byte[] json) {
        return read(json, DeviceCommand.class);
    }

    /** What the device receives on its commands topic: the command without its addressee. */
    public static byte[] mqttCommandPayload(DeviceCommand command) {
        ObjectNode json = MAPPER.valueToTree(command);
        json.remove("device");
        return bytes(MAPPER.writer(), json);
    }

    public static byte[] write(DeadLetter deadLetter) {
        ObjectNode json = MAPPER.valueToTree(deadLetter);
        json.put("truncated", deadLetter.truncated());
        return bytes(MAPPER.writer(), json);
    }

    public static DeadLetter readDeadLetter(byte[] json) {
        return read(json, DeadLetter.class);
    }

    private static byte[] bytes(com.fasterxml.jackson.databind.ObjectWriter writer, Object value) {
        try {
            return writer.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    private static <T> T read(byte[] json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException | RuntimeException e) {
            throw new InvalidRecordException("not a valid " + type.getSimpleName() + ": " + reason(e), e);
        }
    }

    /** A record's own validation speaks in full sentences; Jackson's messages are cut to their gist. */
    private static String reason(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof IllegalArgumentException) {
                return cause.getMessage();
            }
        }
        return DeviceMessageCodec.abbreviate(failure.getMessage());
    }

    /** A platform record that does not read back: a bug or a foreign writer, never a device's fault. */
    /**
     * A profile as the registry stores it: {@code metricsJson} an array of {@code {name, unit?, min?, max?}},
     * {@code outsideProfile} {@code reject} or {@code flag}.
     */
    public static DeviceProfile readDeviceProfile(String profileId, String metricsJson, String outsideProfile) {
        Map<String, DeviceProfile.Range> metrics = new HashMap<>();
        try {
            for (JsonNode metric : MAPPER.readTree(metricsJson)) {
                metrics.put(metric.path("name").asText(), new DeviceProfile.Range(bound(metric.get("min")), bound(metric.get("max"))));
            }
        } catch (IOException e) {
            throw new InvalidRecordException("profile " + profileId + ": " + e.getMessage(), e);
        }
        return new DeviceProfile(profileId, metrics, "flag".equals(outsideProfile));
    }

    private static Double bound(JsonNode value) {
        return value == null || !value.isNumber() ? null : value.doubleValue();
    }

    public static final class InvalidRecordException extends RuntimeException {
        InvalidRecordException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
