package io.plantline.api.alerts;

import io.plantline.api.auth.AccessTokens;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.Json;
import io.plantline.api.http.Principal;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.annotations.OnWebSocketClose;
import org.eclipse.jetty.websocket.api.annotations.OnWebSocketConnect;
import org.eclipse.jetty.websocket.api.annotations.OnWebSocketFrame;
import org.eclipse.jetty.websocket.api.annotations.OnWebSocketMessage;
import org.eclipse.jetty.websocket.api.annotations.WebSocket;
import org.eclipse.jetty.websocket.api.extensions.Frame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live alerts at {@code /api/v1/ws}: every alert lifecycle record of {@code factory.alerts} is pushed to the open
 * sockets of its organisation as {@code {"type":"alert","data":...}}, and each firmware update step as
 * {@code {"type":"ota","data":...}}. A client authenticates with its access token,
 * in the query ({@code ?token=}) or as its first message ({@code {"token":"..."}}) within the idle timeout. The server
 * sends a heartbeat message and a ping every heartbeat interval and closes a socket it has heard nothing from (no
 * message, no pong) for the idle timeout. At every heartbeat the token is checked again, as a request's would be:
 * once it has expired, or its user is disabled or deleted, the socket is closed (1008, the reason as the API's 401
 * says it). A client keeps its socket by sending a fresh token ({@code {"token":"..."}}) before the old one expires.
 * Records are read from the end of the topic: the socket is live, history is {@code GET /alerts}.
 */
@WebSocket
public final class AlertStream implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AlertStream.class);
    private static final int POLICY_VIOLATION = 1008;
    private static final int GOING_AWAY = 1001;

    private static final class Subscriber {
        volatile String token;
        volatile Principal principal;
        volatile long lastHeardNanos = System.nanoTime();
    }

    private final AccessTokens tokens;
    private final Duration idleTimeout;
    private final Map<Session, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread reader;
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "alert-stream-heartbeat");
        thread.setDaemon(true);
        return thread;
    });

    public AlertStream(AccessTokens tokens, String kafkaBootstrap, Duration heartbeat, Duration idleTimeout) {
        this.tokens = tokens;
        this.idleTimeout = idleTimeout;
        this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.reader = new Thread(this::readAlerts, "alert-stream-reader");
        this.reader.setDaemon(true);
        heartbeats.scheduleAtFixedRate(this::heartbeat, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts reading {@code factory.alerts} from its end; returns once the reader is positioned. */
    public void start() {
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.ALERTS, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        reader.start();
    }

    public int connections() {
        return subscribers.size();
    }

    @OnWebSocketConnect
    public void connected(Session session) {
        Subscriber subscriber = new Subscriber();
        subscribers.put(session, subscriber);
        List<String> token = session.getUpgradeRequest().getParameterMap().get("token");
        if (token != null && !token.isEmpty()) {
            authenticate(session, subscriber, token.get(0));
        }
    }

    @OnWebSocketMessage
    public void message(Session session, String text) {
        Subscriber subscriber = subscribers.get(session);
        if (subscriber == null) {
            return;
        }
        subscriber.lastHeardNanos = System.nanoTime();
        String token;
        try {
            token = Json.MAPPER.readTree(text).path("token").asText("");
        } catch (java.io.IOException e) {
            token = "";
        }
        // The first message authenticates; a later one with a token renews it.
        if (subscriber.principal == null || !token.isEmpty()) {
            authenticate(session, subscriber, token);
        }
    }

    @OnWebSocketFrame
    public void frame(Session session, Frame frame) {
        Subscriber subscriber = subscribers.get(session);
        if (subscriber != null && frame.getType() == Frame.Type.PONG) {
            subscriber.lastHeardNanos = System.nanoTime();
        }
    }

    @OnWebSocketClose
    public void closed(Session session, int statusCode, String reason) {
        subscribers.remove(session);
    }

    private void authenticate(Session session, Subscriber subscriber, String token) {
        try {
            subscriber.principal = tokens.verify(token);
            subscriber.token = token;
            send(session, "{\"type\":\"authenticated\",\"organisation\":\"" + subscriber.principal.orgSlug() + "\"}");
        } catch (ApiException e) {
            session.close(POLICY_VIOLATION, e.getMessage());
        }
    }

    private void readAlerts() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    push(record.value());
                }
            }
        } catch (WakeupException e) {
            // close() wakes the reader to stop it
        } finally {
            consumer.close();
        }
    }

    /** An alert event, or an OTA step of the device-lifecycle job, to the sockets of its organisation. */
    private void push(byte[] value) {
        String type;
        String orgSlug;
        try {
            if (RecordJson.isOtaTargetEvent(value)) {
                type = "ota";
                orgSlug = RecordJson.readOtaTargetEvent(value).device().orgSlug();
            } else {
                type = "alert";
                orgSlug = RecordJson.readAlertEvent(value).device().orgSlug();
            }
        } catch (RecordJson.InvalidRecordException e) {
            LOG.warn("skipping an unreadable record on {}: {}", Topics.ALERTS, e.getMessage());
            return;
        }
        String message = "{\"type\":\"" + type + "\",\"data\":" + new String(value, StandardCharsets.UTF_8) + "}";
        subscribers.forEach((session, subscriber) -> {
            Principal principal = subscriber.principal;
            if (principal != null && principal.orgSlug().equals(orgSlug)) {
                send(session, message);
            }
        });
    }

    private void heartbeat() {
        long now = System.nanoTime();
        subscribers.forEach((session, subscriber) -> {
            if (now - subscriber.lastHeardNanos > idleTimeout.toNanos()) {
                session.close(subscriber.principal == null ? POLICY_VIOLATION : GOING_AWAY,
                        subscriber.principal == null ? "no token received" : "idle timeout");
                subscribers.remove(session);
            } else if (subscriber.principal != null && stillAuthorised(session, subscriber)) {
                send(session, "{\"type\":\"heartbeat\"}");
                try {
                    session.getRemote().sendPing(java.nio.ByteBuffer.allocate(0));
                } catch (java.io.IOException e) {
                    LOG.debug("ping failed", e);
                }
            }
        });
    }

    /** The token checked again (its expiry, its user); a socket whose token no longer holds is closed. */
    private boolean stillAuthorised(Session session, Subscriber subscriber) {
        try {
            subscriber.principal = tokens.verify(subscriber.token);
            return true;
        } catch (ApiException e) {
            subscribers.remove(session);
            session.close(POLICY_VIOLATION, e.getMessage());
            return false;
        }
    }

    /** Asynchronous, so one slow client never holds up the reader or the others. */
    private static void send(Session session, String text) {
        if (session.isOpen()) {
            session.getRemote().sendStringByFuture(text);
        }
    }

    @Override
    public void close() {
        heartbeats.shutdownNow();
        if (reader.isAlive()) {
            consumer.wakeup();
        } else {
            consumer.close();
        }
        subscribers.keySet().forEach(session -> session.close(GOING_AWAY, "server stopping"));
        subscribers.clear();
    }
}
