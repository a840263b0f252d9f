package io.plantline.model.shifts;

import java.time.LocalTime;
import java.util.Objects;

/** Unscheduled time inside a shift, from {@code start} to {@code end} (local times; it may cross midnight). */
public record ShiftBreak(LocalTime start, LocalTime end) {

    public ShiftBreak {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
    }
}
