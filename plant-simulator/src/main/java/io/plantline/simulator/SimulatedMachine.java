package io.plantline.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.model.DeviceRef;
import io.plantline.model.MachineState;
import io.plantline.model.MessageKind;
import io.plantline.model.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One machine of the simulated plant, advanced by {@link #tick(Instant)}: a state machine (RUNNING; IDLE or DOWN
 * with a reason and a length drawn from {@link SimulatedStopReason}; PLANNED_STOP on its shift pattern), sensor readings (temperature with slow
 * drift, vibration with noise, spindle speed), part counts with scrap, and heartbeats. Everything it
 * publishes follows the MQTT contract; injected faults add breaches, anomalies and malformed payloads.
 */
public final class SimulatedMachine {

    static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(30);
    static final Duration COUNT_INTERVAL = Duration.ofSeconds(10);
    static final String FIRMWARE = "1.0.0";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** One run in five ends in a breakdown, so a run lasts a fifth of the mean time between failures. */
    private static final double BREAKDOWN_SHARE = 0.2;
    private static final long RUNS_PER_BREAKDOWN_PERCENT = 20;

    private final DeviceRef device;
    private final String line;
    private final MachineProfile profile;
    private final Random random;

    private MachineState state;
    private SimulatedStopReason stopReason;
    private Instant lastTick;
    private Instant stateUntil;
    private Instant nextHeartbeat;
    private Instant nextCount;
    private double partsInProgress;
    private long pendingTotal;
    private long pendingGood;
    private double temperatureDrift;
    private Instant breachUntil = Instant.MIN;
    private boolean spikeNext;
    private double levelShift;
    private int malformedPending;
    private String firmware = FIRMWARE;
    private Instant rebootingUntil = Instant.MIN;

    /** @param line the production line (device group) the machine stands in */
    public SimulatedMachine(DeviceRef device, String line, MachineProfile profile, long seed) {
        this.device = device;
        this.line = line;
        this.profile = profile;
        this.random = new Random(seed);
    }

    public DeviceRef device() {
        return device;
    }

    public String line() {
        return line;
    }

    public MachineState state() {
        return state;
    }

    public MachineProfile profile() {
        return profile;
    }

    /** The firmware version it runs (and reports in its heartbeats). */
    public String firmware() {
        return firmware;
    }

    /**
     * Restarts onto {@code firmware}: silent until {@code until}, then a heartbeat at once with the version it runs.
     * Parts are not made while it reboots.
     */
    public void reboot(Instant until, String firmware) {
        this.rebootingUntil = until;
        this.firmware = firmware;
        this.nextHeartbeat = until;
    }

    /** What a machine publishes about itself besides its tick: OTA reports. */
    public Publication report(MessageKind kind, ObjectNode payload) {
        return publication(kind, payload);
    }

    /** Advances the machine to {@code now} and returns what it publishes for that moment. */
    public List<Publication> tick(Instant now) {
        List<Publication> out = new ArrayList<>();
        if (lastTick == null) {
            start(now, out);
        }
        if (now.isBefore(rebootingUntil)) {
            lastTick = now;
            return out;
        }
        Duration elapsed = Duration.between(lastTick, now);
        produceParts(elapsed);
        advanceState(now, out);
        out.add(telemetry(now));
        if (!now.isBefore(nextCount)) {
            out.add(publication(MessageKind.COUNT, payload(now).put("total", pendingTotal).put("good", pendingGood)));
            pendingTotal = 0;
            pendingGood = 0;
            nextCount = now.plus(COUNT_INTERVAL);
        }
        if (!now.isBefore(nextHeartbeat)) {
            out.add(publication(MessageKind.HEARTBEAT, payload(now).put("firmware", firmware)));
            nextHeartbeat = now.plus(HEARTBEAT_INTERVAL);
        }
        for (; malformedPending > 0; malformedPending--) {
            out.add(malformed(now));
        }
        lastTick = now;
        return out;
    }

    /** The temperature stays above any sensible alert threshold (95 °C and more) for {@code duration}. */
    public void injectBreach(Instant from, Duration duration) {
        breachUntil = from.plus(duration);
    }

    /** The next vibration reading is a spike of ten times its usual level. */
    public void injectSpike() {
        spikeNext = true;
    }

    /** Vibration jumps to a new level and stays there, as after a loosened mount. */
    public void injectLevelShift() {
        levelShift += 3.0;
    }

    /** The next tick also publishes {@code count} payloads that break the contract in various ways. */
    public void injectMalformed(int count) {
        malformedPending += count;
    }

    private void start(Instant now, List<Publication> out) {
        lastTick = now;
        nextHeartbeat = now;
        nextCount = now.plus(COUNT_INTERVAL);
        enter(inPlannedStop(now) ? MachineState.PLANNED_STOP : MachineState.RUNNING, now, out);
    }

    private void produceParts(Duration elapsed) {
        if (state != MachineState.RUNNING) {
            return;
        }
        partsInProgress += elapsed.toMillis() / 1000.0 / profile.actualCycleSeconds();
        while (partsInProgress >= 1) {
            partsInProgress -= 1;
            pendingTotal++;
            if (random.nextDouble() >= profile.scrapRate()) {
                pendingGood++;
            }
        }
    }

    private void advanceState(Instant now, List<Publication> out) {
        boolean planned = inPlannedStop(now);
        if (planned && state != MachineState.PLANNED_STOP) {
            enter(MachineState.PLANNED_STOP, now, out);
        } else if (!planned && state == MachineState.PLANNED_STOP) {
            enter(MachineState.RUNNING, now, out);
        } else if (state != MachineState.PLANNED_STOP && !now.isBefore(stateUntil)) {
            enter(nextState(), now, out);
        }
    }

    /** After a run: mostly an idle stop, sometimes a breakdown; after a stop: running again. */
    private MachineState nextState() {
        if (state != MachineState.RUNNING) {
            return MachineState.RUNNING;
        }
        return random.nextDouble() < BREAKDOWN_SHARE ? MachineState.DOWN : MachineState.IDLE;
    }

    /** Enters {@code next}; an idle or down stop draws its reason, which its state message carries, and its length. */
    private void enter(MachineState next, Instant now, List<Publication> out) {
        state = next;
        stopReason = next == MachineState.IDLE || next == MachineState.DOWN ? SimulatedStopReason.draw(next, random) : null;
        Duration stay = switch (next) {
            case RUNNING -> exponential(profile.meanTimeBetweenFailures().multipliedBy(RUNS_PER_BREAKDOWN_PERCENT).dividedBy(100));
            case IDLE, DOWN -> stopReason.duration(random);
            case PLANNED_STOP -> Duration.ZERO;
        };
        stateUntil = now.plus(stay);
        ObjectNode payload = payload(now).put("state", next.name());
        if (stopReason != null) {
            stopReason.code().ifPresent(code -> payload.put("reason", code));
        }
        out.add(publication(MessageKind.STATE, payload));
    }

    private boolean inPlannedStop(Instant now) {
        long shiftMillis = profile.shiftLength().toMillis();
        long intoShift = Math.floorMod(now.toEpochMilli() + profile.shiftOffset().toMillis(), shiftMillis);
        return intoShift >= shiftMillis - profile.plannedStop().toMillis();
    }

    private Publication telemetry(Instant now) {
        boolean running = state == MachineState.RUNNING;
        temperatureDrift = Math.max(-4, Math.min(6, temperatureDrift + random.nextGaussian() * 0.02));
        double temperature = (running ? 68 : 55) + temperatureDrift + random.nextGaussian() * 0.3;
        if (now.isBefore(breachUntil)) {
            temperature = 96 + random.nextDouble() * 3;
        }
        double vibration = (running ? 2.0 : 0.3) + levelShift + Math.abs(random.nextGaussian() * 0.1);
        if (spikeNext) {
            vibration *= 10;
            spikeNext = false;
        }
        double rpm = running ? 1200 + random.nextGaussian() * 5 : 0;
        ObjectNode payload = payload(now);
        payload.putObject("metrics")
                .put("temperature", round(temperature))
                .put("vibration", round(vibration))
                .put("spindle_rpm", round(rpm));
        return publication(MessageKind.TELEMETRY, payload);
    }

    private Publication malformed(Instant now) {
        String topic = Topics.mqttTopic(device, MessageKind.TELEMETRY);
        String[] broken = {
                "{\"ts\":",
                "{\"ts\":\"yesterday\",\"metrics\":{\"temperature\":70}}",
                "{\"ts\":" + now.toEpochMilli() + ",\"metrics\":{\"temperature\":NaN}}",
                "{\"ts\":" + now.toEpochMilli() + ",\"metrics\":{\"temperature\":\"hot\"}}",
                "not json at all"};
        return new Publication(topic, broken[random.nextInt(broken.length)].getBytes(StandardCharsets.UTF_8));
    }

    private Duration exponential(Duration mean) {
        double factor = -Math.log(1 - random.nextDouble());
        return Duration.ofMillis(Math.max(1000, (long) (mean.toMillis() * factor)));
    }

    static ObjectNode payload(Instant now) {
        return JSON.createObjectNode().put("ts", now.toString());
    }

    private Publication publication(MessageKind kind, ObjectNode payload) {
        return new Publication(Topics.mqttTopic(device, kind), payload.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
