package io.plantline.pipeline.oee;

import io.plantline.model.MachineState;
import io.plantline.model.shifts.CalendarSchedule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns one machine's events, in event-time order, into its OEE minutes: where each minute's time went, whether it
 * was scheduled, its counts, and the OEE components derived from them. The machine's state carries from one
 * event to the next across minutes (a machine that reported RUNNING once is running in every minute after it);
 * time before its first state event is unknown and counts nowhere; counts belong to the minute of their
 * timestamp, valued at the ideal cycle time in force then. Pure, so the OEE operator can recompute minutes when a
 * late event changes them.
 */
public final class MinuteAccounting {

    public static final long MINUTE_MS = 60_000;
    private static final int STATES = MachineState.values().length;

    private MinuteAccounting() {
    }

    /** The minute that {@code ts} falls in. */
    public static long bucketOf(long ts) {
        return Math.floorDiv(ts, MINUTE_MS) * MINUTE_MS;
    }

    /**
     * The minutes from {@code fromBucket} (inclusive) to {@code toBucket} (exclusive).
     *
     * @param stateAtStart the machine's state at {@code fromBucket}, null when not known yet
     * @param events       events with {@code fromBucket <= ts < toBucket}, in event-time order
     * @param calendar     which minutes are scheduled production time
     */
    public static List<OeeMinute> minutes(String orgSlug, String deviceId, MachineState stateAtStart,
                                          List<MachineEvent> events, IdealCycleHistory idealCycle,
                                          CalendarSchedule calendar, long fromBucket, long toBucket) {
        List<OeeMinute> minutes = new ArrayList<>();
        MachineState state = stateAtStart;
        int next = 0;
        for (long bucket = fromBucket; bucket < toBucket; bucket += MINUTE_MS) {
            long end = bucket + MINUTE_MS;
            long segmentStart = bucket;
            long[] msIn = new long[STATES];
            long total = 0;
            long good = 0;
            double idealMs = 0;
            double goodIdealMs = 0;
            boolean idealKnown = true;
            boolean anything = state != null;
            for (; next < events.size() && events.get(next).ts() < end; next++) {
                MachineEvent event = events.get(next);
                anything = true;
                if (event.isStateChange()) {
                    add(msIn, state, event.ts() - segmentStart);
                    segmentStart = event.ts();
                    state = event.state();
                } else {
                    total += event.total();
                    good += event.good();
                    Double ideal = idealCycle.at(event.ts());
                    if (ideal == null) {
                        idealKnown = event.total() == 0 && idealKnown;
                    } else {
                        idealMs += ideal * event.total();
                        goodIdealMs += ideal * event.good();
                    }
                }
            }
            add(msIn, state, end - segmentStart);
            if (!anything) {
                continue;
            }
            Double idealAtEnd = idealCycle.at(end - 1);
            if (total == 0) {
                idealKnown = idealAtEnd != null;
            }
            Double idealCycleMs = !idealKnown ? null : total > 0 ? idealMs / total : idealAtEnd;
            MinuteTimes times = new MinuteTimes(Arrays.stream(msIn).sum(),
                    msIn[MachineState.RUNNING.ordinal()], msIn[MachineState.IDLE.ordinal()],
                    msIn[MachineState.DOWN.ordinal()], msIn[MachineState.PLANNED_STOP.ordinal()],
                    calendar.schedules(Instant.ofEpochMilli(bucket)));
            minutes.add(new OeeMinute(orgSlug, deviceId, bucket, times, new OeeComponents(times.plannedMs(),
                    times.oeeRunMs(), total, good, idealMs, goodIdealMs, idealKnown), idealCycleMs));
        }
        return minutes;
    }

    /** Time in an unknown state (null) counts nowhere. */
    private static void add(long[] msIn, MachineState state, long ms) {
        if (state != null) {
            msIn[state.ordinal()] += ms;
        }
    }
}
