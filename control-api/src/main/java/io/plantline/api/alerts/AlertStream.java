package io.plantline.api.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.plantline.api.auth.AccessTokens;
import io.plantline.api.http.ApiException;
import io.plantline.api.kpis.OeeFigures;
import io.plantline.api.http.Json;
import io.plantline.api.http.Principal;
import io.plantline.api.http.RateLimiter;
import io.plantline.concurrent.DaemonThreads;
import io.plantline.model.MessageKind;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
 * in the query ({@code ?token=}) or as its first message ({@code {"token":"..."}}) within the idle timeout (pongs do
 * not keep a socket without a token open). The server
 * sends a heartbeat message and a ping every heartbeat interval and closes a socket it has heard nothing from (no
 * message, no pong) for the idle timeout. At every heartbeat the token is checked again, as a request's would be:
 * once it has expired, or its user is disabled or deleted, the socket is closed (1008, the reason as the API's 401
 * says it). A client keeps its socket by sending a fresh token ({@code {"token":"..."}}) before the old one expires;
 * a fresh token of another account (even the same person's in another organisation) closes the socket (1008).
 * Records are read from the end of the topic: the socket is live, history is {@code GET /alerts}.
 *
 * <p>Live channels: an authenticated socket sends {@code {"subscribe":"device:{id}"}} or {@code "group:{id}"} (at
 * most {@value #MAX_CHANNELS}) and is answered {@code {"type":"subscribed","channel":...,"data":[state of each
 * device]}} ({@link LiveChannels}), then gets each of those devices' readings and machine events as they reach Kafka,
 * {@code {"type":"reading"|"machine","channel":...,"data":<the record's Kafka form>}}; {@code "oee:{groupId}"} answers
 * the line's newest OEE minute and then each newer one, {@code {"type":"oee",...}}; {@code {"unsubscribe":...}}
 * stops them. A channel the organisation does not have is answered {@code {"type":"error","channel":...,
 * "code":"not_found"}}; at most {@value #SUBSCRIBES_PER_MINUTE} subscribe messages a minute per user (all their
 * sockets), beyond {@code {"type":"error","code":"rate_limited"}}. Live messages are limited per socket to
 * {@code messagesPerSecond}; the excess is dropped, and every heartbeat says how many were dropped since the previous
 * one ({@code "dropped"}). Alerts, OTA steps and machine state changes are never dropped.
 */
@WebSocket
public final class AlertStream implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AlertStream.class);
    private static final int POLICY_VIOLATION = 1008;
    private static final int GOING_AWAY = 1001;
    static final int MAX_CHANNELS = 20;
    /**
     * Subscriptions one user may make a minute over all their sockets: each runs queries and a device snapshot. The
     * console subscribes up to {@link #MAX_CHANNELS} channels a page, so this lets a person page through 15 a minute.
     */
    static final int SUBSCRIBES_PER_MINUTE = 15 * MAX_CHANNELS;
    /** How often OEE channels look for a newer minute, at most; more often when heartbeats are. */
    private static final Duration OEE_EVERY = Duration.ofSeconds(5);
    private static final String STATE_KIND = MessageKind.STATE.wireName();

    /** A socket's channel: the Kafka keys of its devices, or the line whose OEE it follows and the minute last sent. */
    private record Subscription(Set<String> deviceKeys, Optional<String> oeeLine, AtomicReference<Instant> oeeSent) {
    }

    private static final class Subscriber {
        volatile String token;
        volatile Principal principal;
        volatile long lastHeardNanos = System.nanoTime();
        final Map<String, Subscription> channels = new ConcurrentHashMap<>();
        volatile Instant channelsSince;
        final Bucket liveMessages;
        final AtomicLong dropped = new AtomicLong();

        Subscriber(Bandwidth liveLimit) {
            this.liveMessages = Bucket.builder().addLimit(liveLimit).build();
        }
    }

    private final AccessTokens tokens;
    private final Duration idleTimeout;
    private final LiveChannels channels;
    private final Bandwidth liveLimit;
    private final RateLimiter subscribes = new RateLimiter(SUBSCRIBES_PER_MINUTE);
    private final Map<Session, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final TopicTail alerts;
    private final TopicTail readings;
    private final ScheduledExecutorService heartbeats =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("alert-stream-heartbeat"));

    public AlertStream(AccessTokens tokens, String kafkaBootstrap, Duration heartbeat, Duration idleTimeout,
                       LiveChannels channels, int messagesPerSecond) {
        this.tokens = tokens;
        this.idleTimeout = idleTimeout;
        this.channels = channels;
        this.liveLimit = Bandwidth.builder().capacity(messagesPerSecond)
                .refillGreedy(messagesPerSecond, Duration.ofSeconds(1)).build();
        this.alerts = new TopicTail(kafkaBootstrap, List.of(Topics.ALERTS), "alert-stream-reader",
                () -> Optional.of(Instant.EPOCH), record -> push(record.value()));
        this.readings = new TopicTail(kafkaBootstrap, List.of(Topics.TELEMETRY, Topics.MACHINE_EVENTS), "live-readings-reader",
                this::liveWantedSince, this::pushLive);
        heartbeats.scheduleAtFixedRate(this::heartbeat, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
        long oeeEvery = Math.min(heartbeat.toMillis(), OEE_EVERY.toMillis());
        heartbeats.scheduleWithFixedDelay(this::pushOeeQuietly, oeeEvery, oeeEvery, TimeUnit.MILLISECONDS);
    }

    /** Starts reading the topics from their end; returns once the readers are positioned. */
    public void start() {
        alerts.start();
        readings.start();
    }

    public int connections() {
        return subscribers.size();
    }

    @OnWebSocketConnect
    public void connected(Session session) {
        Subscriber subscriber = new Subscriber(liveLimit);
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
        JsonNode message;
        try {
            message = Json.MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            message = Json.MAPPER.createObjectNode();
        }
        String token = message.path("token").asText("");
        // The first message authenticates; a later one with a token renews it.
        if (subscriber.principal == null || !token.isEmpty()) {
            authenticate(session, subscriber, token);
        }
        Principal principal = subscriber.principal;
        if (principal != null && message.path("subscribe").isTextual()) {
            subscribe(session, subscriber, principal, message.path("subscribe").textValue());
        }
        if (message.path("unsubscribe").isTextual()) {
            subscriber.channels.remove(message.path("unsubscribe").textValue());
        }
    }

    private void subscribe(Session session, Subscriber subscriber, Principal principal, String name) {
        if (subscriber.channels.size() >= MAX_CHANNELS && !subscriber.channels.containsKey(name)) {
            sendError(session, name, "too_many_channels", "at most " + MAX_CHANNELS + " channels per socket");
            return;
        }
        try {
            subscribes.acquire(principal.userId().toString());
        } catch (ApiException e) {
            sendError(session, name, "rate_limited", "at most " + SUBSCRIBES_PER_MINUTE + " subscriptions a minute");
            return;
        }
        Optional<LiveChannels.Channel> channel = channels.resolve(principal.orgSlug(), name);
        if (channel.isEmpty()) {
            sendError(session, name, "not_found", "no such device or group: " + name);
            return;
        }
        if (subscriber.channels.isEmpty()) {
            subscriber.channelsSince = Instant.now();
        }
        Instant oeeShown = channel.get().snapshot() instanceof OeeFigures figures ? figures.bucketStart() : null;
        subscriber.channels.put(name, new Subscription(channel.get().deviceKeys(), channel.get().oeeLine(),
                new AtomicReference<>(oeeShown)));
        send(session, Json.write(Map.of("type", "subscribed", "channel", name, "data", channel.get().snapshot())));
    }

    private static void sendError(Session session, String channel, String code, String message) {
        send(session, Json.write(Map.of("type", "error", "channel", channel, "code", code, "message", message)));
    }

    @OnWebSocketFrame
    public void frame(Session session, Frame frame) {
        Subscriber subscriber = subscribers.get(session);
        // Only an authenticated socket is kept by its pongs; an anonymous one has the idle timeout to send a token.
        if (subscriber != null && subscriber.principal != null && frame.getType() == Frame.Type.PONG) {
            subscriber.lastHeardNanos = System.nanoTime();
        }
    }

    @OnWebSocketClose
    public void closed(Session session, int statusCode, String reason) {
        subscribers.remove(session);
    }

    private void authenticate(Session session, Subscriber subscriber, String token) {
        try {
            Principal principal = tokens.verify(token);
            Principal previous = subscriber.principal;
            if (previous != null && !previous.userId().equals(principal.userId())) {
                // The channels were checked against the first account's organisation: another account starts afresh.
                closeNow(session, POLICY_VIOLATION, "a renewed token must be of the socket's own account");
                return;
            }
            subscriber.principal = principal;
            subscriber.token = token;
            send(session, "{\"type\":\"authenticated\",\"organisation\":\"" + subscriber.principal.orgSlug() + "\"}");
        } catch (ApiException e) {
            session.close(POLICY_VIOLATION, e.getMessage());
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

    /** Since when live records are wanted: the earliest subscription of the sockets with devices' channels, if any. */
    private Optional<Instant> liveWantedSince() {
        return subscribers.values().stream().filter(subscriber -> subscriber.channels.values().stream()
                        .anyMatch(subscription -> !subscription.deviceKeys().isEmpty()))
                .map(subscriber -> subscriber.channelsSince).filter(Objects::nonNull).min(Comparator.naturalOrder());
    }

    /** A device's reading or machine event to the sockets with a channel of that device, within their limits. */
    private void pushLive(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        String type = record.topic().equals(Topics.TELEMETRY) ? "reading" : "machine";
        String data = new String(record.value(), StandardCharsets.UTF_8);
        boolean stateChange = type.equals("machine") && isStateChange(record.value());
        subscribers.forEach((session, subscriber) -> subscriber.channels.entrySet().stream()
                .filter(channel -> channel.getValue().deviceKeys().contains(record.key())).findFirst()
                .ifPresent(channel -> {
                    if (stateChange) {
                        send(session, live(type, channel.getKey(), data));
                    } else {
                        sendLive(session, subscriber, type, channel.getKey(), data);
                    }
                }));
    }

    /**
     * A machine's state change, which is never dropped: a machine changes state a few times an hour, and a dropped
     * change leaves a wall display wrong until the next one; readings and part counts share the socket's limit.
     */
    private static boolean isStateChange(byte[] value) {
        try {
            return STATE_KIND.equals(Json.MAPPER.readTree(value).path("kind").asText());
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private void pushOeeQuietly() {
        try {
            pushOee();
        } catch (RuntimeException e) {
            LOG.warn("cannot read the lines' OEE for their channels; trying again at the next round", e);
        }
    }

    /** Each OEE channel's line minute newer than the one last sent, read once per line and round. */
    private void pushOee() {
        Map<String, Optional<OeeFigures>> newest = new HashMap<>();
        subscribers.forEach((session, subscriber) -> subscriber.channels.forEach((name, subscription) -> {
            Principal principal = subscriber.principal;
            if (principal == null || subscription.oeeLine().isEmpty()) {
                return;
            }
            String line = subscription.oeeLine().get();
            newest.computeIfAbsent(principal.orgSlug() + "/" + line, key -> channels.newestOee(principal.orgSlug(), line))
                    .filter(figures -> isNewer(figures.bucketStart(), subscription.oeeSent().get()))
                    .ifPresent(figures -> {
                        subscription.oeeSent().set(figures.bucketStart());
                        sendLive(session, subscriber, "oee", name, Json.write(figures));
                    });
        }));
    }

    private static boolean isNewer(Instant minute, Instant sent) {
        return sent == null || minute.isAfter(sent);
    }

    /** A live message within the socket's limit, or one more dropped. */
    private static void sendLive(Session session, Subscriber subscriber, String type, String channel, String data) {
        if (subscriber.liveMessages.tryConsume(1)) {
            send(session, live(type, channel, data));
        } else {
            subscriber.dropped.incrementAndGet();
        }
    }

    private static String live(String type, String channel, String data) {
        return "{\"type\":\"" + type + "\",\"channel\":" + Json.write(channel) + ",\"data\":" + data + "}";
    }

    private void heartbeat() {
        long now = System.nanoTime();
        subscribers.forEach((session, subscriber) -> {
            if (now - subscriber.lastHeardNanos > idleTimeout.toNanos()) {
                session.close(subscriber.principal == null ? POLICY_VIOLATION : GOING_AWAY,
                        subscriber.principal == null ? "no token received" : "idle timeout");
                subscribers.remove(session);
            } else if (subscriber.principal != null && stillAuthorised(session, subscriber)) {
                send(session, "{\"type\":\"heartbeat\",\"dropped\":" + subscriber.dropped.getAndSet(0) + "}");
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
            closeNow(session, POLICY_VIOLATION, e.getMessage());
            return false;
        }
    }

    /** Closes a socket and stops its pushes at once, before the close handshake completes. */
    private void closeNow(Session session, int status, String reason) {
        subscribers.remove(session);
        session.close(status, reason);
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
        alerts.close();
        readings.close();
        subscribers.keySet().forEach(session -> session.close(GOING_AWAY, "server stopping"));
        subscribers.clear();
    }
}
