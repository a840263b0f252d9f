package io.plantline.bridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.plantline.model.MessageKind;
import io.plantline.model.json.RejectReason;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /metrics} (Prometheus text) and {@code /health} for the bridge. Each scrape reads one
 * {@link BridgeMetrics.Snapshot}, so the numbers of one scrape satisfy
 * {@code received = forwarded + rejected + in_flight}. {@code /health} answers 200 {@code UP}, or 503 {@code DOWN}
 * with the reasons ({@link BridgeHealth}).
 */
final class BridgeHttpEndpoint implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final AtomicReference<BridgeMetrics.Snapshot> scraped;
    private final BridgeMetrics metrics;
    private final BridgeHealth health;
    private final HttpServer server;

    BridgeHttpEndpoint(int port, BridgeMetrics metrics, InFlight inFlight, BridgeHealth health) throws IOException {
        this.metrics = metrics;
        this.health = health;
        this.scraped = new AtomicReference<>(metrics.snapshot());
        FunctionCounter.builder("plantline.bridge.received", scraped, s -> s.get().received())
                .description("device messages received from MQTT").register(registry);
        for (MessageKind kind : MessageKind.values()) {
            FunctionCounter.builder("plantline.bridge.forwarded", scraped, s -> s.get().forwardedByKind().get(kind))
                    .tag("kind", kind.wireName()).description("messages Kafka acknowledged on their kind's topic")
                    .register(registry);
        }
        for (RejectReason reason : RejectReason.values()) {
            FunctionCounter.builder("plantline.bridge.rejected", scraped, s -> s.get().rejectedByReason().get(reason))
                    .tag("reason", reason.code()).description("messages Kafka acknowledged on the dead-letter topic")
                    .register(registry);
        }
        Gauge.builder("plantline.bridge.in.flight", scraped, s -> s.get().inFlight())
                .description("received, not yet acknowledged by Kafka").register(registry);
        Gauge.builder("plantline.bridge.in.flight.bytes", inFlight, InFlight::bytes)
                .description("payload bytes held, not yet acknowledged by Kafka").register(registry);
        FunctionCounter.builder("plantline.bridge.kafka.errors", scraped, s -> s.get().kafkaErrors())
                .description("records Kafka did not take (sent again for QoS 1)").register(registry);
        FunctionCounter.builder("plantline.bridge.kafka.retries", scraped, s -> s.get().kafkaRetries())
                .description("records sent again after Kafka did not take them").register(registry);
        FunctionCounter.builder("plantline.bridge.qos0.dropped", scraped, s -> s.get().qos0Dropped())
                .description("QoS 0 messages dropped: beyond the memory budget, or Kafka did not take them")
                .register(registry);
        FunctionCounter.builder("plantline.bridge.sessions.taken.over", scraped, s -> s.get().sessionsTakenOver())
                .description("times another client connected with this bridge's client id").register(registry);
        FunctionCounter.builder("plantline.bridge.mqtt.disconnects", scraped, s -> s.get().disconnects())
                .description("connections to the broker lost (each may bring a window of redeliveries)").register(registry);
        FunctionCounter.builder("plantline.bridge.command.failures", scraped, s -> s.get().commandFailures())
                .description("polls of commands not relayed and tried again").register(registry);
        Gauge.builder("plantline.bridge.up", health, h -> h.check().up() ? 1 : 0)
                .description("1 while /health says UP").register(registry);
        // Heap and GC, so an operator (and the benchmark) can see that memory stays bounded during a Kafka outage.
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/metrics", this::metrics);
        server.createContext("/health", this::health);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void metrics(HttpExchange exchange) throws IOException {
        String text;
        synchronized (this) {
            scraped.set(metrics.snapshot());
            text = registry.scrape();
        }
        respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", text);
    }

    private void health(HttpExchange exchange) throws IOException {
        BridgeHealth.Verdict verdict = health.check();
        BridgeMetrics.Snapshot now = metrics.snapshot();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", verdict.up() ? "UP" : "DOWN");
        body.put("problems", verdict.problems());
        body.put("received", now.received());
        body.put("forwarded", now.forwarded());
        body.put("rejected", now.rejected());
        body.put("inFlight", now.inFlight());
        body.put("kafkaErrors", now.kafkaErrors());
        body.put("qos0Dropped", now.qos0Dropped());
        respond(exchange, verdict.up() ? 200 : 503, "application/json", JSON.writeValueAsString(body));
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        gcMetrics.close();
        registry.close();
    }
}
