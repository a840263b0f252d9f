package io.plantline.simulator;

import io.plantline.model.MachineState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Why a simulated machine stops: the {@code reason} code its state message carries (none for an unexplained stop, which
 * an operator classifies later), the category of the six big losses the demo organisation's catalogue files the code
 * under, the state it stops in, how often it is the cause among the stops of that state, and how long it lasts: at
 * least {@code minimum}, plus an exponentially distributed rest of mean {@code meanBeyondMinimum}. Jams are short, so
 * they end as minor stops; tool changes, shortages and repairs last minutes.
 */
public enum SimulatedStopReason {

    JAM("jam", "Part jam", "operator", MachineState.IDLE, 60, Duration.ofSeconds(5), Duration.ofSeconds(25)),
    TOOL_CHANGE("tool_change", "Tool change", "setup", MachineState.IDLE, 12, Duration.ofMinutes(3), Duration.ofMinutes(2)),
    MATERIAL_SHORTAGE("material_shortage", "Material shortage", "material", MachineState.IDLE, 12, Duration.ofMinutes(2),
            Duration.ofMinutes(3)),
    FIRST_PART_CHECK("first_part_check", "First-part inspection", "quality", MachineState.IDLE, 6, Duration.ofSeconds(90),
            Duration.ofMinutes(1)),
    UNEXPLAINED(null, "Unexplained stop", null, MachineState.IDLE, 10, Duration.ofMinutes(2), Duration.ofMinutes(1)),
    MECHANICAL_BREAKDOWN("breakdown_mechanical", "Mechanical breakdown", "breakdown", MachineState.DOWN, 60,
            Duration.ofMinutes(2), Duration.ofMinutes(4)),
    ELECTRICAL_FAULT("breakdown_electrical", "Electrical fault", "breakdown", MachineState.DOWN, 40, Duration.ofMinutes(1),
            Duration.ofMinutes(2));

    private final String code;
    private final String title;
    private final String category;
    private final MachineState state;
    private final int weight;
    private final Duration minimum;
    private final Duration meanBeyondMinimum;

    SimulatedStopReason(String code, String title, String category, MachineState state, int weight, Duration minimum,
               Duration meanBeyondMinimum) {
        this.code = code;
        this.title = title;
        this.category = category;
        this.state = state;
        this.weight = weight;
        this.minimum = minimum;
        this.meanBeyondMinimum = meanBeyondMinimum;
    }

    /** The reasons the machines give, each with its name and category: the demo organisation's catalogue. */
    public static List<SimulatedStopReason> catalogue() {
        return List.of(values()).stream().filter(reason -> reason.code != null).toList();
    }

    /** One cause of a stop in {@code state}, drawn by the reasons' weights. */
    static SimulatedStopReason draw(MachineState state, Random random) {
        List<SimulatedStopReason> candidates = List.of(values()).stream().filter(reason -> reason.state == state).toList();
        int ticket = random.nextInt(candidates.stream().mapToInt(reason -> reason.weight).sum());
        for (SimulatedStopReason reason : candidates) {
            ticket -= reason.weight;
            if (ticket < 0) {
                return reason;
            }
        }
        throw new IllegalStateException("weights of " + state + " reasons do not add up");
    }

    /** How long this stop lasts, drawn from {@code random}. */
    Duration duration(Random random) {
        double factor = -Math.log(1 - random.nextDouble());
        return minimum.plusMillis((long) (meanBeyondMinimum.toMillis() * factor));
    }

    /** The code its state messages carry; empty for an unexplained stop. */
    public Optional<String> code() {
        return Optional.ofNullable(code);
    }

    public String title() {
        return title;
    }

    /** Its category in the catalogue; empty for an unexplained stop, which is in none. */
    public Optional<String> category() {
        return Optional.ofNullable(category);
    }

    public MachineState state() {
        return state;
    }
}
