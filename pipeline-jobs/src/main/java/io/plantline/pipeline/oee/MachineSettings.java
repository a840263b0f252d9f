package io.plantline.pipeline.oee;

import io.plantline.model.shifts.CalendarSchedule;

/**
 * What the OEE job applies of a machine's device settings on {@code factory.rules}: its whole ideal cycle time
 * schedule, from {@code effectiveFrom[i]} (epoch millis) on {@code idealCycleMs[i]}, NaN where it has none (empty
 * arrays when it has none at all, or was deleted); and the shift calendars it follows, as {@link CalendarSchedule}'s
 * JSON ({@code []}: every minute scheduled), kept as text so that Flink carries and stores it as a plain string.
 */
public record MachineSettings(String orgSlug, String deviceId, long[] effectiveFrom, double[] idealCycleMs,
                              String calendarJson) {

    public static final String EVERY_MINUTE = "[]";

    public String deviceKey() {
        return orgSlug + '/' + deviceId;
    }

    public IdealCycleHistory history() {
        IdealCycleHistory history = new IdealCycleHistory();
        for (int i = 0; i < effectiveFrom.length; i++) {
            history.set(effectiveFrom[i], Double.isNaN(idealCycleMs[i]) ? null : idealCycleMs[i]);
        }
        return history;
    }

    public CalendarSchedule calendar() {
        return calendarOf(calendarJson);
    }

    /** The schedule of its JSON form; null reads as every minute scheduled. */
    public static CalendarSchedule calendarOf(String calendarJson) {
        return calendarJson == null ? CalendarSchedule.EVERY_MINUTE
                : CalendarSchedule.parse(calendarJson);
    }
}
