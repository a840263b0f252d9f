package io.plantline.model.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Valid payloads of every kind of the MQTT contract, as JSON trees a test can break one field at a time. */
final class Payloads {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant RECEIVED_AT = Instant.parse("2026-11-23T10:00:01Z");
    static final String TS = "2026-11-23T10:00:00.250Z";

    private Payloads() {
    }

    static ObjectNode telemetry() {
        ObjectNode json = JSON.createObjectNode().put("ts", TS);
        json.putObject("metrics").put("temperature", 71.2).put("spindle_rpm", 1180);
        return json;
    }

    static ObjectNode state() {
        return JSON.createObjectNode().put("ts", TS).put("state", "RUNNING");
    }

    static ObjectNode count() {
        return JSON.createObjectNode().put("ts", TS).put("total", 5).put("good", 4);
    }

    static ObjectNode heartbeat() {
        return JSON.createObjectNode().put("ts", TS).put("firmware", "1.4.2");
    }

    static ObjectNode ota() {
        return JSON.createObjectNode().put("ts", TS).put("deploymentId", "dep-42").put("status", "DOWNLOADING")
                .put("progress", 40).put("message", "fetching image");
    }

    static byte[] bytes(ObjectNode json) {
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
