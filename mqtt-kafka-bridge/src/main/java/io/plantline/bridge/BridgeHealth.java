package io.plantline.bridge;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Whether the bridge is doing its job, and if not, why: it is DOWN while it is not connected to the broker, while a
 * message has waited for Kafka longer than {@code stallAfter} (one message stuck holds up its connection, however well
 * the others do), while sends to Kafka fail (since the last failure, until a send succeeds), while another instance
 * holds its client id, while the device registry cannot be reloaded, and while the command relay is not running. {@code /health} answers 503 with these reasons, so an orchestrator or an operator sees a stuck bridge.
 */
final class BridgeHealth {

    /** The state of one check: empty when fine. */
    record Verdict(boolean up, List<String> problems) {
    }

    private final BooleanSupplier mqttConnected;
    private final InFlight inFlight;
    private final long stallAfterMillis;
    private final BooleanSupplier relayRunning;
    private final Supplier<Optional<String>> registryProblem;
    private final LongSupplier clock;
    private final AtomicLong failingSince = new AtomicLong(-1);
    private final AtomicReference<String> lastFailure = new AtomicReference<>();
    private final AtomicReference<String> takenOver = new AtomicReference<>();

    BridgeHealth(BooleanSupplier mqttConnected, InFlight inFlight, long stallAfterMillis, BooleanSupplier relayRunning,
                 Supplier<Optional<String>> registryProblem, LongSupplier clock) {
        this.mqttConnected = mqttConnected;
        this.inFlight = inFlight;
        this.stallAfterMillis = stallAfterMillis;
        this.relayRunning = relayRunning;
        this.registryProblem = registryProblem;
        this.clock = clock;
    }

    void sendFailed(Throwable error) {
        failingSince.compareAndSet(-1, clock.getAsLong());
        lastFailure.set(error.getClass().getSimpleName() + ": " + error.getMessage());
    }

    void sendSucceeded() {
        if (failingSince.get() != -1) {
            failingSince.set(-1);
        }
    }

    void clientIdTakenOver(String clientId) {
        takenOver.set(clientId);
    }

    /** A connection under {@code clientId} is up: it no longer stands aside. */
    void connected(String clientId) {
        takenOver.compareAndSet(clientId, null);
    }

    Verdict check() {
        List<String> problems = new ArrayList<>();
        if (!mqttConnected.getAsBoolean()) {
            problems.add(takenOver.get() != null
                    ? "another client took over client id " + takenOver.get() + "; give each bridge instance its own"
                    : "not connected to the MQTT broker");
        }
        long stalled = inFlight.oldestWaitMillis();
        if (stalled >= stallAfterMillis) {
            problems.add(inFlight.messages() + " messages waiting for Kafka, the oldest for " + stalled / 1000 + " s");
        }
        if (failingSince.get() != -1) {
            problems.add("sends to Kafka failing since " + (clock.getAsLong() - failingSince.get()) / 1000 + " s ago: "
                    + lastFailure.get());
        }
        registryProblem.get().ifPresent(problems::add);
        if (!relayRunning.getAsBoolean()) {
            problems.add("the command relay is not running");
        }
        return new Verdict(problems.isEmpty(), List.copyOf(problems));
    }
}
