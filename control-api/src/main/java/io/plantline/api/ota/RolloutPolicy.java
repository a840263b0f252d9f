package io.plantline.api.ota;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a deployment reaches its devices: in stages of {@code stageSize} devices or {@code stagePercent} of them
 * (the last stage takes the rest; neither: one stage of all). The next stage starts once the current one has at
 * least {@code successThreshold} of its devices SUCCEEDED. The roll-out pauses when the failures not yet accepted
 * by an operator exceed {@code failureThreshold} of the devices sent the update so far; an operator resumes it
 * (accepting those failures) or cancels it.
 */
public record RolloutPolicy(Optional<Integer> stageSize, Optional<Integer> stagePercent, double successThreshold,
                            double failureThreshold) {

    public static final double DEFAULT_SUCCESS_THRESHOLD = 1.0;
    public static final double DEFAULT_FAILURE_THRESHOLD = 0.2;

    public RolloutPolicy {
        if (stageSize.isPresent() && stagePercent.isPresent()) {
            throw new IllegalArgumentException("give stageSize or stagePercent, not both");
        }
        if (stageSize.filter(size -> size < 1).isPresent() || stagePercent.filter(p -> p < 1 || p > 100).isPresent()) {
            throw new IllegalArgumentException("stageSize must be at least 1 and stagePercent between 1 and 100");
        }
        if (!(successThreshold > 0 && successThreshold <= 1) || !(failureThreshold >= 0 && failureThreshold <= 1)) {
            throw new IllegalArgumentException("successThreshold must be in (0, 1] and failureThreshold in [0, 1]");
        }
    }

    /** The devices of each stage, in the order given. */
    public List<List<String>> stages(List<String> deviceIds) {
        int size = stageSize.orElseGet(() -> stagePercent
                .map(percent -> Math.max(1, (int) Math.ceil(deviceIds.size() * percent / 100.0)))
                .orElse(Math.max(1, deviceIds.size())));
        List<List<String>> stages = new ArrayList<>();
        for (int from = 0; from < deviceIds.size(); from += size) {
            stages.add(List.copyOf(deviceIds.subList(from, Math.min(deviceIds.size(), from + size))));
        }
        return stages;
    }

    /** Whether a stage of {@code total} devices, {@code succeeded} of them done, lets the next one start. */
    public boolean stageSucceeded(int succeeded, int total) {
        return succeeded >= Math.ceil(successThreshold * total - 1e-9);
    }

    /** Whether {@code newFailures} among {@code sent} devices so far pause the roll-out. */
    public boolean failuresPause(int newFailures, int sent) {
        return sent > 0 && newFailures > failureThreshold * sent + 1e-9;
    }
}
