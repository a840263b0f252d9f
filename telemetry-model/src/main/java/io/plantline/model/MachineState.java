package io.plantline.model;

/** The states a machine reports; OEE counts all but {@link #PLANNED_STOP} as planned time. */
public enum MachineState {
    RUNNING,
    IDLE,
    DOWN,
    PLANNED_STOP
}
