package io.plantline.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.DeviceMessage;
import io.plantline.model.DeviceRef;
import io.plantline.model.MachineState;
import io.plantline.model.MachineStateChange;
import io.plantline.model.PartCount;
import io.plantline.model.TelemetryReading;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.ParseResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SimulatedMachineTest {

    private static final Instant START = Instant.parse("2026-11-23T06:00:00Z");
    private static final DeviceRef DEVICE = new DeviceRef("demo", "machine-01");

    private final DeviceMessageCodec codec = DeviceMessageCodec.withDefaults();

    @Test
    void everythingPublishedInTwoHoursFollowsTheContract() {
        List<DeviceMessage> messages = run(new SimulatedMachine(DEVICE, "line-1", MachineProfile.typical(1), 7), Duration.ofHours(2));

        Set<MachineState> states = messages.stream().filter(MachineStateChange.class::isInstance)
                .map(message -> ((MachineStateChange) message).state()).collect(Collectors.toSet());
        assertThat(states).contains(MachineState.RUNNING, MachineState.IDLE, MachineState.PLANNED_STOP);
        assertThat(messages).filteredOn(TelemetryReading.class::isInstance).hasSize(7200);
        assertThat(messages).filteredOn(message -> message.kind().wireName().equals("heartbeat")).hasSize(240);
    }

    @Test
    void partsAreMadeOnlyWhileRunningAtTheActualCycleTime() {
        MachineProfile profile = MachineProfile.typical(1);
        List<DeviceMessage> messages = run(new SimulatedMachine(DEVICE, "line-1", profile, 7), Duration.ofHours(2));

        long total = messages.stream().filter(PartCount.class::isInstance).mapToLong(m -> ((PartCount) m).total()).sum();
        long good = messages.stream().filter(PartCount.class::isInstance).mapToLong(m -> ((PartCount) m).good()).sum();
        long runSeconds = runningSeconds(messages, START.plus(Duration.ofHours(2)));

        assertThat(total).isCloseTo(Math.round(runSeconds / profile.actualCycleSeconds()),
                org.assertj.core.data.Offset.offset(15L));
        assertThat(good).isLessThan(total).isGreaterThan(Math.round(total * 0.9));
    }

    /** Jams end as minor stops (under the catalogue's 120 s); tool changes, shortages and repairs last minutes. */
    @Test
    void stopsCarryTheReasonsOfTheDemoCatalogueAndLastAsLongAsTheirCause() {
        List<DeviceMessage> messages = run(new SimulatedMachine(DEVICE, "line-1", MachineProfile.typical(1), 7), Duration.ofHours(24));

        Map<String, List<Duration>> stopsByReason = new HashMap<>();
        MachineStateChange previous = null;
        for (DeviceMessage message : messages) {
            if (message instanceof MachineStateChange change) {
                // Stops that ran their course: a planned stop may cut one short.
                if (previous != null && (previous.state() == MachineState.IDLE || previous.state() == MachineState.DOWN)
                        && change.state() == MachineState.RUNNING) {
                    String reason = previous.state() + " " + previous.reason().orElse("none");
                    stopsByReason.computeIfAbsent(reason, code -> new ArrayList<>()).add(Duration.between(previous.ts(), change.ts()));
                }
                previous = change;
            }
        }

        assertThat(stopsByReason).containsOnlyKeys("IDLE jam", "IDLE tool_change", "IDLE material_shortage",
                "IDLE first_part_check", "IDLE none", "DOWN breakdown_mechanical", "DOWN breakdown_electrical");
        assertThat(SimulatedStopReason.catalogue()).extracting(reason -> reason.state() + " " + reason.code().orElseThrow())
                .containsExactlyInAnyOrderElementsOf(stopsByReason.keySet().stream().filter(key -> !key.endsWith("none")).toList());
        assertThat(shareShorterThan(stopsByReason.get("IDLE jam"), Duration.ofSeconds(120))).isGreaterThan(0.9);
        for (String stop : List.of("IDLE tool_change", "IDLE material_shortage", "DOWN breakdown_mechanical")) {
            assertThat(shareShorterThan(stopsByReason.get(stop), Duration.ofSeconds(120))).as(stop).isZero();
        }
    }

    @Test
    void sameSeedGivesTheSamePlant() {
        List<String> first = payloads(new SimulatedMachine(DEVICE, "line-1", MachineProfile.typical(2), 11));
        List<String> second = payloads(new SimulatedMachine(DEVICE, "line-1", MachineProfile.typical(2), 11));

        assertThat(first).isEqualTo(second);
    }

    @Test
    void injectedBreachKeepsTemperatureAbove95ForItsDuration() {
        SimulatedMachine machine = new SimulatedMachine(DEVICE, "line-1", MachineProfile.typical(1), 7);
        machine.tick(START);
        machine.injectBreach(START, Duration.ofSeconds(30));

        List<Double> temperatures = new ArrayList<>();
        for (int second = 1; second <= 40; second++) {
            machine.tick(START.plusSeconds(second)).stream().map(this::parse)
                    .filter(TelemetryReading.class::isInstance)
                    .forEach(reading -> temperatures.add(((TelemetryReading) reading).metrics().get("temperature")));
        }

        assertThat(temperatures.subList(0, 29)).allSatisfy(t -> assertThat(t).isGreaterThan(95));
        assertThat(temperatures.subList(30, 40)).allSatisfy(t -> assertThat(t).isLessThan(80));
    }

    @Test
    void injectedSpikeIsOneReadingTenTimesTheLevel() {
        SimulatedMachine machine = new SimulatedMachine(DEVICE, "line-1", MachineProfile.typical(1), 7);
        double before = vibration(machine, START);
        machine.injectSpike();
        double spike = vibration(machine, START.plusSeconds(1));
        double after = vibration(machine, START.plusSeconds(2));

        assertThat(spike).isGreaterThan(before * 5);
        assertThat(after).isLessThan(spike / 5);
    }

    @Test
    void injectedMalformedPayloadsAreAllRejected() {
        SimulatedMachine machine = new SimulatedMachine(DEVICE, "line-1", MachineProfile.typical(1), 7);
        machine.tick(START);
        machine.injectMalformed(20);

        List<ParseResult> results = machine.tick(START.plusSeconds(1)).stream()
                .map(publication -> codec.parseMqtt(publication.topic(), publication.payload(), START.plusSeconds(1)))
                .toList();

        assertThat(results).filteredOn(ParseResult.Rejected.class::isInstance).hasSize(20);
    }

    private double vibration(SimulatedMachine machine, Instant at) {
        return machine.tick(at).stream().map(this::parse).filter(TelemetryReading.class::isInstance)
                .map(reading -> ((TelemetryReading) reading).metrics().get("vibration")).findFirst().orElseThrow();
    }

    private List<DeviceMessage> run(SimulatedMachine machine, Duration length) {
        List<DeviceMessage> messages = new ArrayList<>();
        for (long second = 0; second < length.toSeconds(); second++) {
            machine.tick(START.plusSeconds(second)).forEach(publication -> messages.add(parse(publication)));
        }
        return messages;
    }

    private List<String> payloads(SimulatedMachine machine) {
        List<String> payloads = new ArrayList<>();
        for (long second = 0; second < 600; second++) {
            machine.tick(START.plusSeconds(second)).forEach(p -> payloads.add(p.topic() + " " + new String(p.payload())));
        }
        return payloads;
    }

    /** Every simulated message must pass the same validation the bridge applies. */
    private DeviceMessage parse(Publication publication) {
        ParseResult result = codec.parseMqtt(publication.topic(), publication.payload(), START.plus(Duration.ofDays(1)));
        assertThat(result).as(new String(publication.payload())).isInstanceOf(ParseResult.Accepted.class);
        return ((ParseResult.Accepted) result).message();
    }

    private static double shareShorterThan(List<Duration> durations, Duration limit) {
        return durations.stream().filter(duration -> duration.compareTo(limit) < 0).count() / (double) durations.size();
    }

    private static long runningSeconds(List<DeviceMessage> messages, Instant end) {
        long seconds = 0;
        MachineStateChange current = null;
        for (DeviceMessage message : messages) {
            if (message instanceof MachineStateChange change) {
                if (current != null && current.state() == MachineState.RUNNING) {
                    seconds += Duration.between(current.ts(), change.ts()).toSeconds();
                }
                current = change;
            }
        }
        if (current != null && current.state() == MachineState.RUNNING) {
            seconds += Duration.between(current.ts(), end).toSeconds();
        }
        return seconds;
    }
}
