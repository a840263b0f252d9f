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
 * event to the next across minutes (a machine that reported RUNNING once is running in every minute after it)
 * until its device goes offline; time before its first state event, and from the time its device was last heard
 * from before going offline until its next state event, is unknown and counts nowhere; counts belong to the minute of their
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
     * What is known of a machine where its minutes start.
     *
     * @param state     its state then, null when unknown (never reported, or offline since)
     * @param stateSeen whether it had reported a state before: then every minute gets its row, known or not
     */
    public record Start(MachineState state, boolean stateSeen) {

        /** A machine not heard from before. */
        public static final Start UNKNOWN = new Start(null, false);

        public static Start in(MachineState state) {
            return new Start(state, state != null);
        }
    }

    /**
     * The minutes from {@code fromBucket} (inclusive) to {@code toBucket} (exclusive).
     *
     * @param start      the machine at {@code fromBucket}
     * @param events     events with {@code fromBucket <= ts < toBucket}, in event-time order
     * @param offlineAt  the times from which the device was offline (until its next state event), in order; one
     *                   before {@code fromBucket} makes the state unknown from there
     * @param calendar   which minutes are scheduled production time
     */
    public static List<OeeMinute> minutes(String orgSlug, String deviceId, Start start, List<MachineEvent> events,
                                          List<Long> offlineAt, IdealCycleHistory idealCycle,
                                          CalendarSchedule calendar, long fromBucket, long toBucket) {
        List<OeeMinute> minutes = new ArrayList<>();
        MachineState state = start.state();
        boolean stateSeen = start.stateSeen();
        int next = 0;
        int nextOffline = 0;
        for (long bucket = fromBucket; bucket < toBucket; bucket += MINUTE_MS) {
            long end = bucket + MINUTE_MS;
            long segmentStart = bucket;
            long[] msIn = new long[STATES];
            long total = 0;
            long good = 0;
            double idealMs = 0;
            double goodIdealMs = 0;
            boolean idealKnown = true;
            boolean anything = stateSeen;
            for (Boolean offlineNext; (offlineNext = offlineNext(events, next, offlineAt, nextOffline, end)) != null; ) {
                if (offlineNext) {
                    long offline = Math.max(segmentStart, offlineAt.get(nextOffline++));
                    add(msIn, state, offline - segmentStart);
                    segmentStart = offline;
                    state = null;
                    continue;
                }
                MachineEvent event = events.get(next++);
                anything = true;
                if (event.isStateChange()) {
                    add(msIn, state, event.ts() - segmentStart);
                    segmentStart = event.ts();
                    state = event.state();
                    stateSeen = true;
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

    /** The machine at {@code ts}: {@code start} with the events and offline times before {@code ts} applied. */
    public static Start startAt(Start start, List<MachineEvent> events, List<Long> offlineAt, long ts) {
        MachineState state = start.state();
        boolean stateSeen = start.stateSeen();
        int next = 0;
        int nextOffline = 0;
        for (Boolean offlineNext; (offlineNext = offlineNext(events, next, offlineAt, nextOffline, ts)) != null; ) {
            if (offlineNext) {
                nextOffline++;
                state = null;
            } else {
                MachineEvent event = events.get(next++);
                if (event.isStateChange()) {
                    state = event.state();
                    stateSeen = true;
                }
            }
        }
        return new Start(state, stateSeen);
    }

    /**
     * Which comes next before {@code end}: the offline time (true), the event (false) or neither (null). Going
     * offline at the time last heard comes after the events of that time.
     */
    private static Boolean offlineNext(List<MachineEvent> events, int next, List<Long> offlineAt, int nextOffline,
                                       long end) {
        boolean event = next < events.size() && events.get(next).ts() < end;
        boolean offline = nextOffline < offlineAt.size() && offlineAt.get(nextOffline) < end;
        if (!event && !offline) {
            return null;
        }
        return offline && (!event || offlineAt.get(nextOffline) < events.get(next).ts());
    }

    /** Time in an unknown state (null) counts nowhere. */
    private static void add(long[] msIn, MachineState state, long ms) {
        if (state != null) {
            msIn[state.ordinal()] += ms;
        }
    }
}
