package io.plantline.api.kpis;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.plantline.api.db.Database;
import io.plantline.api.shifts.ShiftInstances;
import io.plantline.model.shifts.ShiftInstance;
import java.util.ArrayList;
import java.util.List;

/**
 * OEE per shift instance ({@code granularity=shift}): each shift's scheduled minutes summed by the contract's rule,
 * as a range's total of minutes is, and its MTBF and MTTR from the {@code DOWN} stops that began in its scheduled
 * time (ended by its end); the total sums the minutes of all the shifts, its reliability their stops.
 */
public final class ShiftOee {

    /** A shift's row: the fields of a bucket's row ({@code bucketStart} the shift's start), its name, date and times. */
    public record Row(@JsonUnwrapped ShiftInstances.Label label, @JsonUnwrapped OeeFigures figures,
                      Reliability reliability) {
    }

    /** The rows and the total over all of them. */
    public record Answer(List<Row> rows, OeeFigures total, Reliability reliability) {
    }

    private final KpiStore store;

    public ShiftOee(Database database) {
        this.store = new KpiStore(database);
    }

    public Answer of(KpiQueries.Scope scope, List<ShiftInstance> shifts) {
        long began = 0;
        long ended = 0;
        double endedMs = 0;
        List<Row> rows = new ArrayList<>();
        for (ShiftInstance shift : shifts) {
            OeeFigures figures = store.oeeWithin(scope, shift.scheduled()).startingAt(shift.start());
            Reliability.DownStops down = store.downStops(scope, shift.scheduled(), shift.end())
                    .getOrDefault(null, Reliability.DownStops.NONE);
            began += down.began();
            ended += down.ended();
            endedMs += down.endedMs();
            rows.add(new Row(ShiftInstances.Label.of(shift), figures, Reliability.of(figures.runMs(), down)));
        }
        OeeFigures total = store.oeeWithin(scope, Spans.scheduled(shifts));
        return new Answer(rows, total, Reliability.of(total.runMs(), new Reliability.DownStops(began, ended, endedMs)));
    }
}
