package io.plantline.simulator;

import java.time.Duration;

/**
 * How one simulated machine behaves: its ideal cycle time (the simulator runs a little slower, so OEE
 * performance is below 1), its scrap rate, how often it breaks down (repairs last as {@link SimulatedStopReason}
 * says), and its shift pattern (a planned stop of {@code plannedStop} every {@code shiftLength}, offset per machine
 * so lines do not all stop at once).
 */
public record MachineProfile(double idealCycleSeconds, double actualCycleSeconds, double scrapRate,
                             Duration meanTimeBetweenFailures, Duration shiftLength, Duration plannedStop, Duration shiftOffset) {

    public static MachineProfile typical(int machineIndex) {
        double ideal = 2.0 + (machineIndex % 5) * 0.5;
        return new MachineProfile(ideal, ideal * 1.1, 0.03, Duration.ofMinutes(20),
                Duration.ofMinutes(30), Duration.ofMinutes(3), Duration.ofMinutes(machineIndex % 6 * 5L));
    }
}
