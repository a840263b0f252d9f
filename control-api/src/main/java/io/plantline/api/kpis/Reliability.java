package io.plantline.api.kpis;

/**
 * MTBF and MTTR over a range, as the shifts contract defines them: MTBF is the run time (the OEE run, scheduled
 * minutes only) over the number of {@code DOWN} stops that began in the range; MTTR the mean duration of those that
 * also ended in it. Each is null without such stops.
 *
 * @param downStops      the {@code DOWN} stops that began in the range
 * @param endedDownStops those of them that ended in the range too
 */
public record Reliability(long downStops, long endedDownStops, Double mtbfMs, Double mttrMs) {

    /** Counts of the {@code DOWN} stops of some machines over a range, and the summed duration of the ended ones. */
    record DownStops(long began, long ended, double endedMs) {
        static final DownStops NONE = new DownStops(0, 0, 0);
    }

    static Reliability of(long runMs, DownStops stops) {
        return new Reliability(stops.began(), stops.ended(), stops.began() == 0 ? null : (double) runMs / stops.began(),
                stops.ended() == 0 ? null : stops.endedMs() / stops.ended());
    }
}
