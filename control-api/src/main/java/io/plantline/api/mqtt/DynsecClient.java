package io.plantline.api.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Mosquitto's dynamic-security plugin over MQTT: commands are published to {@code $CONTROL/dynamic-security/v1} as
 * an admin client and answered, in order, on its response topic. Every command carries a correlation id, so answers
 * to another admin client sharing the topic are told apart.
 */
final class DynsecClient implements AutoCloseable {

    private static final String CONTROL = "$CONTROL/dynamic-security/v1";
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A refusal or silence of the broker's plugin. */
    static final class DynsecException extends Exception {
        DynsecException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Mqtt5AsyncClient mqtt;
    private final Map<String, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();

    DynsecClient(String host, int port, String username, String password) {
        this.mqtt = MqttClient.builder().useMqttVersion5()
                .identifier("plantline-accounts-" + UUID.randomUUID().toString().substring(0, 8))
                .serverHost(host).serverPort(port)
                .simpleAuth().username(username).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                .automaticReconnectWithDefaultConfig()
                .buildAsync();
    }

    /** Connects and listens for answers; fails if the broker cannot be reached or refuses the admin. */
    void connect() throws DynsecException {
        await(mqtt.connectWith().cleanStart(true).send(), "connect to the broker as its dynamic-security admin");
        await(mqtt.subscribeWith().topicFilter(CONTROL + "/response").qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> answered(publish.getPayloadAsBytes())).send(), "listen for the plugin's answers");
    }

    /**
     * Runs the commands in one request; each answer in order, an error answer as {@code {"error": ...}}. The caller
     * decides which errors matter (deleting what is not there is not one).
     */
    List<JsonNode> run(List<ObjectNode> commands) throws DynsecException {
        String correlation = UUID.randomUUID().toString();
        ArrayNode batch = JSON.createArrayNode();
        commands.forEach(command -> batch.add(command.deepCopy().put("correlationData", correlation)));
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        waiting.put(correlation, answer);
        try {
            byte[] request = JSON.writeValueAsBytes(JSON.createObjectNode().set("commands", batch));
            await(mqtt.publishWith().topic(CONTROL).qos(MqttQos.AT_LEAST_ONCE).payload(request).send(),
                    "send commands to the dynamic-security plugin");
            JsonNode responses = await(answer, "hear from the dynamic-security plugin");
            List<JsonNode> results = new ArrayList<>();
            responses.forEach(results::add);
            return results;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } finally {
            waiting.remove(correlation);
        }
    }

    static ObjectNode command(String name) {
        return object().put("command", name);
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    private void answered(byte[] payload) {
        try {
            JsonNode responses = JSON.readTree(payload).path("responses");
            String correlation = responses.path(0).path("correlationData").asText("");
            CompletableFuture<JsonNode> answer = waiting.get(correlation);
            if (answer != null) {
                answer.complete(responses);
            }
        } catch (IOException e) {
            // Not an answer of the plugin's shape: not ours to read.
        }
    }

    private static <T> T await(CompletableFuture<T> future, String what) throws DynsecException {
        try {
            return future.get(ANSWER_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DynsecException("interrupted while waiting to " + what, e);
        } catch (ExecutionException e) {
            throw new DynsecException("cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new DynsecException("cannot " + what + " within " + ANSWER_WITHIN.toSeconds() + " s", e);
        }
    }

    @Override
    public void close() {
        mqtt.disconnect();
    }
}
