package io.plantline.bridge;

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
import java.util.function.BooleanSupplier;

/**
 * {@code /metrics} (Prometheus text) and {@code /health} for the bridge. Each scrape reads one
 * {@link BridgeMetrics.Snapshot}, so the numbers of one scrape satisfy
 * {@code received = forwarded + rejected + in_flight}.
 */
final class BridgeHttpEndpoint implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final AtomicReference<BridgeMetrics.Snapshot> scraped;
    private final BridgeMetrics metrics;
    private final BooleanSupplier mqttConnected;
    private final HttpServer server;

    BridgeHttpEndpoint(int port, BridgeMetrics metrics, BooleanSupplier mqttConnected) throws IOException {
        this.metrics = metrics;
        this.mqttConnected = mqttConnected;
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
        FunctionCounter.builder("plantline.bridge.kafka.retries", scraped, s -> s.get().kafkaRetries())
                .description("sends that waited out a Kafka outage and were tried again").register(registry);
        Gauge.builder("plantline.bridge.mqtt.connected", mqttConnected, connected -> connected.getAsBoolean() ? 1 : 0)
                .register(registry);
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
        boolean up = mqttConnected.getAsBoolean();
        BridgeMetrics.Snapshot now = metrics.snapshot();
        respond(exchange, up ? 200 : 503, "application/json", String.format(
                "{\"status\":\"%s\",\"mqtt\":\"%s\",\"received\":%d,\"forwarded\":%d,\"rejected\":%d,\"inFlight\":%d}",
                up ? "UP" : "DOWN", up ? "connected" : "disconnected", now.received(), now.forwarded(), now.rejected(),
                now.inFlight()));
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
