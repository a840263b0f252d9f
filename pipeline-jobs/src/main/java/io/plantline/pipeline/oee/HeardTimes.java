package io.plantline.pipeline.oee;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * When a device was heard from (any message: state, count, telemetry, heartbeat, OTA report), kept per minute as
 * only the first and the last time in it. That is exact for finding where the device went offline: a silence that
 * makes a device offline lasts at least {@code offline-after}, which is at least a minute, so it never lies inside
 * one minute; it always runs from one minute's last time to a later minute's first time. Held as one flat array
 * (minute, first, last, ... in minute order) so the operator reads and writes it as one value.
 */
final class HeardTimes {

    private long[] minutes;

    private HeardTimes(long[] minutes) {
        this.minutes = minutes;
    }

    /** The times kept in {@code state} (null: none). */
    static HeardTimes of(long[] state) {
        return new HeardTimes(state == null ? new long[0] : state.clone());
    }

    long[] toArray() {
        return minutes.clone();
    }

    boolean isEmpty() {
        return minutes.length == 0;
    }

    /** Notes that the device was heard from at {@code ts}; false when that changes nothing kept. */
    boolean add(long ts) {
        long bucket = MinuteAccounting.bucketOf(ts);
        int i = 0;
        while (i < minutes.length && minutes[i] < bucket) {
            i += 3;
        }
        if (i < minutes.length && minutes[i] == bucket) {
            if (ts >= minutes[i + 1] && ts <= minutes[i + 2]) {
                return false;
            }
            minutes[i + 1] = Math.min(minutes[i + 1], ts);
            minutes[i + 2] = Math.max(minutes[i + 2], ts);
            return true;
        }
        long[] grown = new long[minutes.length + 3];
        System.arraycopy(minutes, 0, grown, 0, i);
        grown[i] = bucket;
        grown[i + 1] = ts;
        grown[i + 2] = ts;
        System.arraycopy(minutes, i, grown, i + 3, minutes.length - i);
        minutes = grown;
        return true;
    }

    /** The last time heard before {@code ts}, or null; for a time inside a minute, that minute's first time counts. */
    Long latestBefore(long ts) {
        Long latest = null;
        for (int i = 0; i < minutes.length && minutes[i + 1] < ts; i += 3) {
            latest = minutes[i + 2] < ts ? minutes[i + 2] : minutes[i + 1];
        }
        return latest;
    }

    /** The first time heard after {@code ts}, or null; for a time inside a minute, that minute's last time counts. */
    Long earliestAfter(long ts) {
        for (int i = 0; i < minutes.length; i += 3) {
            if (minutes[i + 2] > ts) {
                return minutes[i + 1] > ts ? minutes[i + 1] : minutes[i + 2];
            }
        }
        return null;
    }

    /**
     * The times from which the device was offline, in order: each time it was heard from last before a silence of
     * at least {@code offlineAfterMs}, starting with {@code heardBefore} (the last time heard before these minutes,
     * or null). The silence after the last time heard counts once event time ({@code horizon}, the watermark) has
     * passed its end, when nothing in it can still come but late.
     */
    List<Long> offlineFrom(Long heardBefore, long horizon, long offlineAfterMs) {
        List<Long> offline = new ArrayList<>();
        Long previous = heardBefore;
        for (int i = 0; i < minutes.length; i += 3) {
            if (previous != null && minutes[i + 1] - previous >= offlineAfterMs) {
                offline.add(previous);
            }
            previous = minutes[i + 2];
        }
        if (previous != null && horizon >= previous + offlineAfterMs) {
            offline.add(previous);
        }
        return offline;
    }

    /** The times of the minutes before {@code bucket}. */
    HeardTimes before(long bucket) {
        int i = 0;
        while (i < minutes.length && minutes[i] < bucket) {
            i += 3;
        }
        return new HeardTimes(Arrays.copyOf(minutes, i));
    }

    /** Drops the minutes before {@code bucket}. */
    void forgetBefore(long bucket) {
        int i = 0;
        while (i < minutes.length && minutes[i] < bucket) {
            i += 3;
        }
        minutes = Arrays.copyOfRange(minutes, i, minutes.length);
    }
}
