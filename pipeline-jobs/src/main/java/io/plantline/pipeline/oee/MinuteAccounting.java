package io.plantline.pipeline.oee;

import io.plantline.model.MachineState;
import io.plantline.model.shifts.CalendarSchedule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns one machine's events, in event-time order, into its OEE minutes: where each minute's time went, whether it
 * was scheduled, its counts, and the OEE components derived from them. The machine's state carries from one
 * event to the next across minutes (a machine that reported RUNNING once is running in every minute after it)
 * until its device goes offline; time before its first state event, and from the time its device was last heard
 * from before going offline until its next state event, is unknown and counts nowhere; counts belong to the minute of their
 * timestamp, valued at the ideal cycle time in force then. Time in IDLE or DOWN belongs to a stop, named by its start,
 * so each minute also says which stops its idle and down time went to. Pure, so the OEE operator can recompute minutes when a
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
     * @param state         its state then, null when unknown (never reported, or offline since)
     * @param reason        the device's reason for that state, null without one
     * @param stopStartedAt in {@code IDLE} or {@code DOWN}: when the stop it is in began (null otherwise)
     * @param stateSeen     whether it had reported a state before: then every minute gets its row, known or not
     */
    public record Start(MachineState state, String reason, Long stopStartedAt, boolean stateSeen) {

        /** A machine not heard from before. */
        public static final Start UNKNOWN = new Start(null, null, null, false);
    }

    /**
     * The minutes from {@code fromBucket} (inclusive) to {@code toBucket} (exclusive), each with the stops it holds.
     * A stop ends where the machine leaves its state or reason, or goes offline; one still going on at
     * {@code toBucket} is open (no end).
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
        List<Draft> drafts = new ArrayList<>();
        Machine machine = new Machine(start);
        int next = 0;
        int nextOffline = 0;
        for (long bucket = fromBucket; bucket < toBucket; bucket += MINUTE_MS) {
            long end = bucket + MINUTE_MS;
            machine.startMinute(bucket);
            long total = 0;
            long good = 0;
            double idealMs = 0;
            double goodIdealMs = 0;
            boolean idealKnown = true;
            boolean anything = machine.stateSeen;
            for (Boolean offlineNext; (offlineNext = offlineNext(events, next, offlineAt, nextOffline, end)) != null; ) {
                if (offlineNext) {
                    machine.goOffline(offlineAt.get(nextOffline++));
                    continue;
                }
                MachineEvent event = events.get(next++);
                anything = true;
                if (event.isStateChange()) {
                    machine.change(event);
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
            machine.spendUntil(end);
            if (!anything) {
                continue;
            }
            Double idealAtEnd = idealCycle.at(end - 1);
            if (total == 0) {
                idealKnown = idealAtEnd != null;
            }
            Double idealCycleMs = !idealKnown ? null : total > 0 ? idealMs / total : idealAtEnd;
            long[] msIn = machine.msIn;
            MinuteTimes times = new MinuteTimes(Arrays.stream(msIn).sum(),
                    msIn[MachineState.RUNNING.ordinal()], msIn[MachineState.IDLE.ordinal()],
                    msIn[MachineState.DOWN.ordinal()], msIn[MachineState.PLANNED_STOP.ordinal()],
                    calendar.schedules(Instant.ofEpochMilli(bucket)));
            drafts.add(new Draft(bucket, times, new OeeComponents(times.plannedMs(), times.oeeRunMs(), total, good,
                    idealMs, goodIdealMs, idealKnown), idealCycleMs, machine.stopMs));
        }
        List<OeeMinute> minutes = new ArrayList<>();
        for (Draft draft : drafts) {
            List<StopMinute> stops = new ArrayList<>();
            draft.stopMs().forEach((startedAt, ms) -> {
                Stop stop = machine.stops.get(startedAt);
                if (stop != null) {   // null: a stop that ended where it began, which is none
                    stops.add(new StopMinute(startedAt, stop.state, stop.reason, stop.endedAt, ms));
                }
            });
            minutes.add(new OeeMinute(orgSlug, deviceId, draft.bucket(), draft.times(), draft.components(),
                    draft.idealCycleMs(), List.copyOf(stops)));
        }
        return minutes;
    }

    /** The machine at {@code ts}: {@code start} with the events and offline times before {@code ts} applied. */
    public static Start startAt(Start start, List<MachineEvent> events, List<Long> offlineAt, long ts) {
        Machine machine = new Machine(start);
        // Only where stops begin and end matters here, not where the time went.
        machine.startMinute(Math.min(events.isEmpty() ? ts : events.get(0).ts(),
                offlineAt.isEmpty() ? ts : offlineAt.get(0)));
        int next = 0;
        int nextOffline = 0;
        for (Boolean offlineNext; (offlineNext = offlineNext(events, next, offlineAt, nextOffline, ts)) != null; ) {
            if (offlineNext) {
                machine.goOffline(offlineAt.get(nextOffline++));
                continue;
            }
            MachineEvent event = events.get(next++);
            if (event.isStateChange()) {
                machine.change(event);
            }
        }
        return new Start(machine.state, machine.reason, machine.stopStartedAt, machine.stateSeen);
    }

    /** IDLE and DOWN are what stops are made of. */
    static boolean isStop(MachineState state) {
        return state == MachineState.IDLE || state == MachineState.DOWN;
    }

    /** A minute before its stops' ends are known. */
    private record Draft(long bucket, MinuteTimes times, OeeComponents components, Double idealCycleMs,
                         Map<Long, Long> stopMs) {
    }

    /** A stop as far as the minutes computed know it. */
    private static final class Stop {
        final MachineState state;
        final String reason;
        Long endedAt;

        Stop(MachineState state, String reason) {
            this.state = state;
            this.reason = reason;
        }
    }

    /**
     * The machine walked through time: its state, reason and stop, where the current minute's time went since
     * {@code spentUntil}, and every stop seen, by start.
     */
    private static final class Machine {
        MachineState state;
        String reason;
        Long stopStartedAt;
        boolean stateSeen;
        long minuteStart;
        long spentUntil;
        long[] msIn;
        Map<Long, Long> stopMs;
        final Map<Long, Stop> stops = new HashMap<>();

        Machine(Start start) {
            state = start.state();
            reason = start.reason();
            stopStartedAt = start.stopStartedAt();
            stateSeen = start.stateSeen();
            if (stopStartedAt != null) {
                stops.put(stopStartedAt, new Stop(state, reason));
            }
        }

        void startMinute(long bucket) {
            minuteStart = bucket;
            spentUntil = bucket;
            msIn = new long[STATES];
            stopMs = new LinkedHashMap<>();
        }

        /** The time from where the minute was spent up to {@code ts} went to the current state (and stop). */
        void spendUntil(long ts) {
            long ms = ts - spentUntil;
            if (state != null && ms > 0) {
                msIn[state.ordinal()] += ms;
                if (stopStartedAt != null) {
                    stopMs.merge(stopStartedAt, ms, Long::sum);
                }
            }
            spentUntil = Math.max(spentUntil, ts);
        }

        /** A state event: the same stop state and reason again continue the stop, anything else ends it. */
        void change(MachineEvent event) {
            spendUntil(event.ts());
            boolean continues = stopStartedAt != null && event.state() == state
                    && Objects.equals(event.reason(), reason);
            if (!continues) {
                endStop(event.ts());
                if (isStop(event.state())) {
                    stopStartedAt = event.ts();
                    stops.put(stopStartedAt, new Stop(event.state(), event.reason()));
                }
            }
            state = event.state();
            reason = event.reason();
            stateSeen = true;
        }

        /** Offline from {@code lastHeard} (one before the minute: from its start). */
        void goOffline(long lastHeard) {
            spendUntil(lastHeard);
            endStop(lastHeard);
            state = null;
            reason = null;
        }

        /** Ends the current stop at {@code ts}; one that lasted nothing was no stop. */
        private void endStop(long ts) {
            if (stopStartedAt == null) {
                return;
            }
            if (ts > stopStartedAt) {
                stops.get(stopStartedAt).endedAt = ts;
                if (ts >= minuteStart) {
                    stopMs.putIfAbsent(stopStartedAt, 0L);   // the minute it ended in writes its end, even at its start
                }
            } else {
                stops.remove(stopStartedAt);
                stopMs.remove(stopStartedAt);
            }
            stopStartedAt = null;
        }
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

}
