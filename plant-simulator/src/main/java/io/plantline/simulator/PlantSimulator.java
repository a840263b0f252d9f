package io.plantline.simulator;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.plantline.concurrent.DaemonThreads;
import io.plantline.model.DeviceRef;
import io.plantline.model.MessageKind;
import io.plantline.model.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small plant over MQTT: every {@code telemetryInterval} each machine ticks and its messages are
 * published at QoS 1. Publishing never blocks the clock: when the broker falls behind by more than
 * {@link #MAX_IN_FLIGHT} messages, further messages are skipped and counted, as a real gateway sheds load.
 *
 * <p>With an acknowledgement log ({@link SimulatorOptions#ackLog()}) a message the broker did not acknowledge (an
 * error, a lost connection) is sent again, byte for byte, every {@link #RESEND_AFTER} until it is, as a gateway that
 * buffers does; each acknowledged message is logged. Closing stops the machines and then waits for the messages still
 * unacknowledged, so the log is complete.
 */
public final class PlantSimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PlantSimulator.class);
    static final int MAX_IN_FLIGHT = 10_000;
    private static final java.time.Duration CONNECT_TIMEOUT = java.time.Duration.ofSeconds(30);
    /** How long a machine is silent while it reboots onto new firmware: well below the 90 s offline limit. */
    static final java.time.Duration REBOOT_SILENCE = java.time.Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final java.time.Duration RESEND_AFTER = java.time.Duration.ofSeconds(1);
    private static final java.time.Duration DRAIN_WITHIN = java.time.Duration.ofMinutes(5);

    private final SimulatorOptions options;
    private final List<SimulatedMachine> machines;
    private final Clock clock;
    private final Mqtt5AsyncClient client;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("plant-simulator"));
    /** Sends unacknowledged messages again; runs until the last is acknowledged, after the machines stopped. */
    private final ScheduledExecutorService resender =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("plant-simulator-resend"));
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final OtaClient ota;
    private final java.util.Optional<AckLog> ackLog;

    public PlantSimulator(SimulatorOptions options, Clock clock) {
        this.options = options;
        this.clock = clock;
        this.ackLog = options.ackLog().map(AckLog::new);
        this.machines = machines(options);
        Mqtt5ClientBuilder builder = MqttClient.builder()
                .useMqttVersion5()
                .identifier("plantline-simulator-" + options.orgSlug() + "-" + UUID.randomUUID().toString().substring(0, 8))
                .serverHost(options.mqttHost())
                .serverPort(options.mqttPort())
                .automaticReconnectWithDefaultConfig();
        if (!options.mqttPassword().isEmpty()) {
            builder = builder.simpleAuth().username(options.mqttUsername())
                    .password(options.mqttPassword().getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
        }
        this.client = builder.buildAsync();
        Map<String, SimulatedMachine> byId = new HashMap<>();
        machines.forEach(machine -> byId.put(machine.device().deviceId(), machine));
        this.ota = new OtaClient(new OtaClient.Plant() {
            @Override
            public SimulatedMachine machine(String deviceId) {
                return byId.get(deviceId);
            }

            @Override
            public void publish(SimulatedMachine machine, MessageKind kind, ObjectNode payload) {
                PlantSimulator.this.publish(machine.report(kind, payload));
            }

            @Override
            public void reboot(SimulatedMachine machine, java.time.Duration silence, String firmware) {
                scheduler.execute(() -> machine.reboot(clock.instant().plus(silence), firmware));
            }
        }, clock, REBOOT_SILENCE);
    }

    /** Machines are named {@code machine-01}, ...; machines are dealt to lines {@code line-1} ... {@code line-<groups>} in turn. */
    static List<SimulatedMachine> machines(SimulatorOptions options) {
        List<SimulatedMachine> machines = new ArrayList<>();
        int width = Math.max(2, Integer.toString(options.machines()).length());
        for (int i = 1; i <= options.machines(); i++) {
            DeviceRef device = new DeviceRef(options.orgSlug(), "machine-" + String.format("%0" + width + "d", i));
            String line = "line-" + (1 + (i - 1) % options.groups());
            machines.add(new SimulatedMachine(device, line, MachineProfile.typical(i), options.seed() * 1_000_003L + i));
        }
        return List.copyOf(machines);
    }

    public void start() {
        try {
            client.connectWith().cleanStart(true).send().get(CONNECT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to the MQTT broker", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            client.disconnect();
            throw new IllegalStateException("cannot connect to the MQTT broker at " + options.mqttHost() + ":"
                    + options.mqttPort() + " within " + CONNECT_TIMEOUT.toSeconds() + " s", e);
        }
        // The machines' commands (firmware updates), published by the bridge from factory.commands.
        client.subscribeWith().topicFilter(Topics.MQTT_ROOT + "/" + options.orgSlug() + "/+/" + Topics.COMMANDS_KIND)
                .qos(MqttQos.AT_LEAST_ONCE).callback(this::onCommand).send().join();
        long periodMillis = options.telemetryInterval().toMillis();
        scheduler.scheduleAtFixedRate(this::tickSafely, 0, periodMillis, TimeUnit.MILLISECONDS);
        ackLog.ifPresent(log -> resender.scheduleAtFixedRate(log::flush, 1, 1, TimeUnit.SECONDS));
        LOG.info("simulating {} machines of '{}' on {}:{}", machines.size(), options.orgSlug(),
                options.mqttHost(), options.mqttPort());
    }

    private void onCommand(Mqtt5Publish publish) {
        String[] levels = publish.getTopic().toString().split("/");
        try {
            ota.onCommand(levels[2], JSON.readTree(publish.getPayloadAsBytes()));
        } catch (java.io.IOException e) {
            LOG.warn("a command for {} is not JSON: {}", levels[2], e.getMessage());
        }
    }

    /** How {@code machine}'s next firmware updates fail (the {@code ota-fault} command). */
    void setOtaFault(SimulatedMachine machine, OtaClient.Fault fault) {
        ota.setFault(machine.device().deviceId(), fault);
    }

    public List<SimulatedMachine> machines() {
        return machines;
    }

    /**
     * Applies {@code fault} to the machines {@code target} names ({@code all}, a number such as {@code 7},
     * or an id such as {@code machine-07}) on the simulator's own thread, since machines are not shared
     * between threads. Returns how many machines it named.
     */
    public int inject(String target, java.util.function.BiConsumer<SimulatedMachine, Instant> fault) {
        List<SimulatedMachine> chosen = machines.stream().filter(machine -> names(target, machine)).toList();
        scheduler.execute(() -> chosen.forEach(machine -> fault.accept(machine, clock.instant())));
        return chosen.size();
    }

    private static boolean names(String target, SimulatedMachine machine) {
        String id = machine.device().deviceId();
        return "all".equals(target) || id.equals(target) || id.replaceFirst("^machine-0*", "").equals(target);
    }

    public long published() {
        return published.get();
    }

    public long failed() {
        return failed.get();
    }

    public long skipped() {
        return skipped.get();
    }

    /** A scheduled task that throws is never run again; one bad tick must not stop the plant. */
    private void tickSafely() {
        try {
            Instant now = clock.instant();
            for (SimulatedMachine machine : machines) {
                machine.tick(now).forEach(this::publish);
            }
        } catch (RuntimeException e) {
            LOG.error("simulator tick failed", e);
        }
    }

    private void publish(Publication publication) {
        if (!inFlight.tryAcquire()) {
            skipped.incrementAndGet();
            return;
        }
        send(publication);
    }

    private void send(Publication publication) {
        client.publishWith().topic(publication.topic()).qos(MqttQos.AT_LEAST_ONCE).payload(publication.payload())
                .send()
                .whenComplete((result, error) -> {
                    if (error == null && result.getError().isEmpty()) {
                        published.incrementAndGet();
                        ackLog.ifPresent(log -> log.acknowledged(publication));
                        inFlight.release();
                    } else if (ackLog.isPresent() && !resender.isShutdown()) {
                        failed.incrementAndGet();
                        resendLater(publication);
                    } else {
                        failed.incrementAndGet();
                        inFlight.release();
                    }
                });
    }

    private void resendLater(Publication publication) {
        try {
            resender.schedule(() -> send(publication), RESEND_AFTER.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            inFlight.release();
        }
    }

    @Override
    public void close() {
        ota.close();
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
            if (ackLog.isPresent() && !inFlight.tryAcquire(MAX_IN_FLIGHT, DRAIN_WITHIN.toSeconds(), TimeUnit.SECONDS)) {
                LOG.warn("{} messages still unacknowledged after {} s; not logged", MAX_IN_FLIGHT - inFlight.availablePermits(),
                        DRAIN_WITHIN.toSeconds());
            }
            resender.shutdownNow();
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("simulator did not disconnect cleanly: {}", e.toString());
        }
        ackLog.ifPresent(log -> {
            try {
                log.close();
            } catch (java.io.IOException e) {
                LOG.warn("the acknowledgement log did not close: {}", e.toString());
            }
        });
    }
}
