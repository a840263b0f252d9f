package io.plantline.pipeline.oee;

import io.plantline.model.MachineState;

/**
 * One stop's part of one machine minute: the stop (a longest time in {@code IDLE} or {@code DOWN} with one
 * {@code reason}, named by when it began; {@code endedAt} null while it goes on) and {@code ms} of the minute's
 * known time in it, 0 for a stop that ended at the minute's start (the minute still carries its end).
 */
public record StopMinute(long startedAt, MachineState state, String reason, Long endedAt, long ms) {
}
